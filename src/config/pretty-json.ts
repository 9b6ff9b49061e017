// JSON the way Unit's control API prints it (nxt_conf_json_print, pretty):
// tabs, CRLF line ends, a space after ":", and an empty line after a member
// whose value was a non-empty object or array. Scripts that diff Unit's
// output, and people used to reading it, see the same text.

function escapeString(s: string): string {
  let out = '"';
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c === 0x22) out += '\\"';
    else if (c === 0x5c) out += '\\\\';
    else if (c > 0x1f) out += s[i];
    else if (c === 0x0a) out += '\\n';
    else if (c === 0x0d) out += '\\r';
    else if (c === 0x09) out += '\\t';
    else if (c === 0x08) out += '\\b';
    else if (c === 0x0c) out += '\\f';
    else out += `\\u00${(c >> 4).toString(16)}${(c & 0xf).toString(16).toUpperCase()}`;
  }
  return `${out}"`;
}

export function prettyJson(value: unknown): string {
  const state = { level: 0, moreSpace: false };
  const indent = (): string => '\t'.repeat(state.level);
  const print = (v: unknown): string => {
    if (v === null || v === undefined) return 'null';
    if (typeof v === 'boolean') return v ? 'true' : 'false';
    if (typeof v === 'number') return Number.isFinite(v) ? String(v) : 'null';
    if (typeof v === 'string') return escapeString(v);
    if (Array.isArray(v)) {
      if (v.length === 0) return '[]';
      let out = '[\r\n';
      state.level++;
      out += indent() + print(v[0]);
      for (let i = 1; i < v.length; i++) {
        out += `,\r\n${indent()}`;
        state.moreSpace = false;
        out += print(v[i]);
      }
      out += '\r\n';
      state.level--;
      out += `${indent()}]`;
      state.moreSpace = true;
      return out;
    }
    const entries = Object.entries(v as Record<string, unknown>);
    if (entries.length === 0) return '{}';
    let out = '{\r\n';
    state.level++;
    entries.forEach(([key, member], i) => {
      out += `${indent()}${escapeString(key)}: ${print(member)}`;
      if (i === entries.length - 1) return;
      out += ',\r\n';
      if (state.moreSpace) {
        state.moreSpace = false;
        out += '\r\n';
      }
    });
    out += '\r\n';
    state.level--;
    out += `${indent()}}`;
    state.moreSpace = true;
    return out;
  };
  return print(value);
}
