// Where in a JSON text the value at a JSON Pointer starts, as line and
// column: so that a config file's validation error points into the file
// ("conf.json:12:17: The \"timeout\" value must be a number.").
import { fromPointer } from './pointer.js';

export interface TextPosition {
  offset: number;
  line: number;
  column: number;
}

export function locatePointer(text: string, pointer: string): TextPosition | null {
  const target = fromPointer(pointer);
  let i = 0;
  let found: number | null = null;

  const skip = (): void => {
    for (;;) {
      const c = text[i];
      if (c === ' ' || c === '\t' || c === '\n' || c === '\r' || c === '\ufeff') i++;
      else if (c === '/' && text[i + 1] === '/') while (i < text.length && text[i] !== '\n') i++;
      else if (c === '/' && text[i + 1] === '*') {
        const end = text.indexOf('*/', i + 2);
        i = end < 0 ? text.length : end + 2;
      } else return;
    }
  };
  const decodedString = (): string => {
    const start = i;
    let j = i + 1;
    while (j < text.length && text[j] !== '"') j += text[j] === '\\' ? 2 : 1;
    i = j + 1;
    return JSON.parse(text.slice(start, i)) as string;
  };

  const value = (path: string[]): void => {
    skip();
    if (found === null && path.length === target.length && path.every((p, k) => p === target[k])) found = i;
    const c = text[i];
    if (c === '{') {
      i++;
      skip();
      if (text[i] === '}') {
        i++;
        return;
      }
      for (;;) {
        skip();
        const key = decodedString();
        skip();
        i++; // ':'
        value([...path, key]);
        skip();
        if (text[i] === ',') {
          i++;
          skip();
          if (text[i] === '}') {
            i++;
            return;
          }
          continue;
        }
        i++; // '}'
        return;
      }
    } else if (c === '[') {
      i++;
      skip();
      if (text[i] === ']') {
        i++;
        return;
      }
      for (let n = 0; ; n++) {
        value([...path, String(n)]);
        skip();
        if (text[i] === ',') {
          i++;
          skip();
          if (text[i] === ']') {
            i++;
            return;
          }
          continue;
        }
        i++; // ']'
        return;
      }
    } else if (c === '"') {
      decodedString();
    } else {
      while (i < text.length && !/[\s,\]}]/.test(text[i])) i++;
    }
  };

  try {
    value([]);
  } catch {
    return null;
  }
  if (found === null) return null;
  const before = text.slice(0, found);
  const line = before.split('\n').length;
  const column = [...before.slice(before.lastIndexOf('\n') + 1)].length + 1;
  return { offset: Buffer.byteLength(before), line, column };
}
