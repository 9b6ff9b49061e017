// tls.session.cache_size: a bounded cache of TLS sessions for resumption,
// least recently used out first. Node cannot size OpenSSL's own cache, so
// the server keeps them itself through the newSession/resumeSession events.
import type tls from 'node:tls';

export function attachSessionCache(server: tls.Server, size: number): void {
  if (size <= 0) return;
  const cache = new Map<string, Buffer>();
  server.on('newSession', (id: Buffer, data: Buffer, done: () => void) => {
    const key = id.toString('hex');
    cache.delete(key);
    cache.set(key, data);
    if (cache.size > size) cache.delete(cache.keys().next().value!);
    done();
  });
  server.on('resumeSession', (id: Buffer, done: (err: Error | null, data: Buffer | null) => void) => {
    const key = id.toString('hex');
    const data = cache.get(key);
    if (data) {
      cache.delete(key);
      cache.set(key, data);
    }
    done(null, data ?? null);
  });
}
