/**
 * Sizes in config: a number of bytes, or a string with a unit. KB/MB/GB/TB are decimal (1000^n),
 * KiB/MiB/GiB/TiB binary (1024^n), and the bare letters K/M/G (as PM2 writes them) binary too.
 */
const UNIT_BYTES: Record<string, number> = {
  b: 1,
  kb: 1e3,
  mb: 1e6,
  gb: 1e9,
  tb: 1e12,
  kib: 1024,
  mib: 1024 ** 2,
  gib: 1024 ** 3,
  tib: 1024 ** 4,
  k: 1024,
  m: 1024 ** 2,
  g: 1024 ** 3,
  t: 1024 ** 4,
};

const SIZE = /^(\d+(?:\.\d+)?)\s*([a-z]*)$/i;

export function parseSize(value: string | number): number | undefined {
  if (typeof value === 'number') {
    return Number.isInteger(value) && value >= 0 ? value : undefined;
  }
  const match = SIZE.exec(value.trim());
  if (!match) return undefined;
  const unit = (match[2] ?? '').toLowerCase() || 'b';
  const factor = UNIT_BYTES[unit];
  if (factor === undefined) return undefined;
  return Math.round(Number(match[1]) * factor);
}

/**
 * The shortest exact way to write a size: 10485760 -> "10MiB", 10000000 -> "10MB", 1500 -> "1500B"
 * (binary units win a tie, as they divide more often).
 */
export function formatSize(bytes: number): string {
  const best = (units: string[], base: number): [number, string] => {
    let value = bytes;
    let unit = 0;
    while (value >= base && unit < units.length - 1 && value % base === 0) {
      value /= base;
      unit++;
    }
    return [value, units[unit]!];
  };
  const binary = best(['B', 'KiB', 'MiB', 'GiB', 'TiB'], 1024);
  const decimal = best(['B', 'KB', 'MB', 'GB', 'TB'], 1000);
  const [value, unit] = decimal[0] < binary[0] ? decimal : binary;
  return `${value}${unit}`;
}
