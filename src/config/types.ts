// The shape of a configuration that passed the schema. Checks (and later the
// router and the process manager) read it through these types; they hold no
// defaults, which belong to whoever applies the configuration.

export type Patterns = string | string[];
export type PatternSets = Record<string, Patterns> | Array<Record<string, Patterns>>;

export interface WeftConfig {
  settings?: Settings;
  listeners?: Record<string, Listener>;
  routes?: RouteStep[] | Record<string, RouteStep[]>;
  applications?: Record<string, Application>;
  upstreams?: Record<string, Upstream>;
  access_log?: string | AccessLog;
}

export interface Settings {
  listen_threads?: number;
  http?: HttpSettings;
  /** Weft's own settings (not Unit's). */
  weft?: WeftSettings;
}

export interface WeftSettings {
  /** Address of the HTTP health endpoint (/live, /ready), e.g. "127.0.0.1:8081". */
  health?: string;
  /** Address where GET /metrics answers (for Prometheus), e.g. "127.0.0.1:9100". */
  metrics?: string;
}

export interface HttpSettings {
  header_read_timeout?: number;
  body_read_timeout?: number;
  send_timeout?: number;
  proxy_read_timeout?: number;
  idle_timeout?: number;
  large_header_buffer_size?: number;
  large_header_buffers?: number;
  body_buffer_size?: number;
  max_body_size?: number;
  body_temp_path?: string;
  discard_unsafe_fields?: boolean;
  websocket?: { read_timeout?: number; keepalive_interval?: number; max_frame_size?: number };
  static?: { mime_types?: Record<string, string | string[]> };
  log_route?: boolean;
  server_version?: boolean;
  chunked_transform?: boolean;
  compression?: { types?: Patterns; compressors?: Compressor | Compressor[] };
}

export interface Compressor {
  encoding: string;
  level?: number;
  min_length?: number;
}

export interface Listener {
  pass?: string;
  /** The old form of "pass": "applications/<name>". */
  application?: string;
  forwarded?: Forwarded;
  /** The old form of "forwarded". */
  client_ip?: { source: Patterns; header: string; recursive?: boolean };
  backlog?: number;
  tls?: Tls;
}

export interface Forwarded {
  client_ip?: string;
  protocol?: string;
  source: Patterns;
  recursive?: boolean;
}

export interface Tls {
  certificate: string | string[];
  conf_commands?: Record<string, string>;
  session?: { cache_size?: number; timeout?: number; tickets?: boolean | string | string[] };
}

export interface RouteStep {
  match?: Match;
  action: Action;
}

export interface Match {
  method?: Patterns;
  scheme?: string;
  host?: Patterns;
  source?: Patterns;
  destination?: Patterns;
  uri?: Patterns;
  query?: Patterns;
  arguments?: PatternSets;
  headers?: PatternSets;
  cookies?: PatternSets;
  if?: string;
}

export interface Action {
  pass?: string;
  return?: number;
  location?: string;
  share?: string | string[];
  index?: string;
  types?: Patterns;
  fallback?: Action;
  chroot?: string;
  follow_symlinks?: boolean;
  traverse_mounts?: boolean;
  proxy?: string;
  rewrite?: string;
  response_headers?: Record<string, string | null>;
}

export interface Application {
  type: string;
  limits?: { timeout?: number; requests?: number; shm?: number };
  processes?: number | { max?: number; spare?: number; idle_timeout?: number };
  user?: string;
  group?: string;
  working_directory?: string;
  environment?: Record<string, string>;
  isolation?: Isolation;
  stdout?: string;
  stderr?: string;
  /** Members of the application's type, checked by its plugin's schema. */
  [member: string]: unknown;
}

export interface IdMapping {
  container: number;
  host: number;
  size: number;
}

export interface Isolation {
  namespaces?: {
    credential?: boolean;
    pid?: boolean;
    network?: boolean;
    mount?: boolean;
    uname?: boolean;
    cgroup?: boolean;
  };
  uidmap?: IdMapping[];
  gidmap?: IdMapping[];
  rootfs?: string;
  automount?: { language_deps?: boolean; tmpfs?: boolean; procfs?: boolean };
  new_privs?: boolean;
  cgroup?: { path?: string; limits?: { memory?: number | string; pids?: number } };
}

export interface Upstream {
  servers: Record<string, { weight?: number }>;
}

export interface AccessLog {
  path: string;
  format?: string | Record<string, string>;
  if?: string;
}
