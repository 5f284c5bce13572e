/** Finds the line of a key path in the parsed YAML document. */
import { isMap, isPair, isScalar, isSeq, type Document, type LineCounter, type Node } from 'yaml';
import type { KeyPath } from './issues.js';

export class YamlLocator {
  constructor(
    private readonly doc: Document,
    private readonly lines: LineCounter,
  ) {}

  /** The line of the value at path, or of the key when `atKey`; else the nearest ancestor's. */
  lineOf(path: KeyPath, atKey = false): number | undefined {
    for (let depth = path.length; depth >= 0; depth--) {
      const prefix = path.slice(0, depth);
      const wantKey = atKey || depth < path.length;
      const offset = this.offsetOf(prefix, wantKey && depth > 0);
      if (offset !== undefined) return this.lines.linePos(offset).line;
    }
    return undefined;
  }

  private offsetOf(path: KeyPath, atKey: boolean): number | undefined {
    if (path.length === 0) return this.doc.contents?.range?.[0];
    let node: unknown = this.doc.contents;
    for (let i = 0; i < path.length; i++) {
      const part = path[i]!;
      const last = i === path.length - 1;
      if (isMap(node)) {
        const pair = node.items.find(
          (p) => isPair(p) && isScalar(p.key) && String(p.key.value) === String(part),
        );
        if (!pair) return undefined;
        if (last) {
          const target = (atKey ? pair.key : (pair.value ?? pair.key)) as Node | null;
          return target?.range?.[0];
        }
        node = pair.value;
      } else if (isSeq(node) && typeof part === 'number') {
        const item = node.items[part] as Node | undefined;
        if (!item) return undefined;
        if (last) return item.range?.[0];
        node = item;
      } else {
        return undefined;
      }
    }
    return undefined;
  }
}
