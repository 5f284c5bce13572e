import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { tempDir } from '../../test/helpers/temp-dir.js';
import { findDashboardDir } from './web-dir.js';

describe('findDashboardDir', () => {
  it("is web/dist of the nearest gowinproc package above, skipping other packages' roots", () => {
    const root = tempDir();
    writeFileSync(join(root, 'package.json'), JSON.stringify({ name: 'gowinproc' }));
    const other = join(root, 'node_modules', 'dep');
    mkdirSync(join(other, 'lib'), { recursive: true });
    writeFileSync(join(other, 'package.json'), JSON.stringify({ name: 'dep' }));
    writeFileSync(join(root, 'node_modules', 'package.json'), '{ not json');
    expect(findDashboardDir(join(other, 'lib'))).toBe(join(root, 'web', 'dist'));
    expect(findDashboardDir(root)).toBe(join(root, 'web', 'dist'));
  });

  it('is undefined outside any gowinproc package', () => {
    const root = tempDir();
    mkdirSync(join(root, 'a', 'b'), { recursive: true });
    expect(findDashboardDir(join(root, 'a', 'b'))).toBeUndefined();
  });

  it('finds this checkout from the source tree', () => {
    expect(findDashboardDir()).toBe(join(import.meta.dirname, '..', '..', 'web', 'dist'));
  });
});
