import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { tempDir } from '../../../../test/helpers/temp-dir.js';
import { KeptProcFile } from './linux-proc-files.js';

describe('KeptProcFile', () => {
  it('reads the current content through one kept descriptor, growing its buffer as needed', () => {
    const path = join(tempDir(), 'stat');
    writeFileSync(path, 'cpu  1 2 3\n');
    const file = new KeptProcFile(path, 8);
    expect(file.read()).toBe('cpu  1 2 3\n');
    const big = `${'x'.repeat(100)}\n`;
    writeFileSync(path, big); // same inode: the kept descriptor sees the new content
    expect(file.read()).toBe(big);
    file.close();
    expect(file.read()).toBe(big); // opened again after close
    file.close();
  });

  it("answers '' for a file that cannot be read, and reads it once it exists", () => {
    const dir = tempDir();
    const path = join(dir, 'loadavg');
    const file = new KeptProcFile(path, 64);
    expect(file.read()).toBe('');
    writeFileSync(path, '0.10 0.20 0.30 1/100 42\n');
    expect(file.read()).toBe('0.10 0.20 0.30 1/100 42\n');
    file.close();
    rmSync(path);
    expect(file.read()).toBe('');
  });
});

describe.runIf(process.platform === 'linux')('KeptProcFile on /proc', () => {
  it('reads a record-by-record /proc file past its first page, and only the head when asked', () => {
    const file = new KeptProcFile('/proc/self/maps', 1024);
    const whole = readFileSync('/proc/self/maps', 'latin1');
    expect(whole.length).toBeGreaterThan(4096); // a Node process maps far more than a page
    const text = file.read();
    // Both readings list the same mappings (the heap may have grown by a line in between).
    expect(Math.abs(text.split('\n').length - whole.split('\n').length)).toBeLessThan(5);
    expect(file.read(2048).length).toBe(2048);
    file.close();
  });
});
