/**
 * Programmatic units (DSP0004 Annex C.1) are read by a one-pass scanner with
 * bounded results: every form real descriptors use, and refusals with a
 * reason (too long, not the grammar, out of range) instead of Infinity.
 */
import { describe, expect, it } from 'vitest';
import { byteUnitMultiplier, hertzUnitMultiplier, MAX_UNITS_LENGTH, parseByteUnits, parseHertzUnits, scaledQuantity } from '../../src/ovf/units.js';

describe('byte units', () => {
  it.each([
    ['byte', 1],
    ['bytes', 1],
    ['  byte * 2^20  ', 2 ** 20],
    ['byte*2^30', 2 ** 30],
    ['byte * 2 ^ 20', 2 ** 20],
    ['Byte * 2^ 20', 2 ** 20],
    ['byte*1024*1024', 2 ** 20],
    ['bytes * 2^-10 * 2^30', 2 ** 20],
    ['byte * 10^3', 1000],
    ['byte\t*\n2^20', 2 ** 20],
    ['MegaBytes', 2 ** 20],
    ['GB', 2 ** 30],
  ])('reads %j as %d', (units, multiplier) => {
    expect(parseByteUnits(units)).toEqual({ ok: true, multiplier });
  });

  it.each(['byte *', 'byte * x', 'byte 2^20', 'byte * 2^', 'byte * 2^-', 'byte * 2 ^ 20 x', 'bytesx * 2', 'hertz * 10^6', 'byte * 2' + ' '.repeat(200) + 'x'])(
    'refuses %j as not the grammar',
    (units) => expect(parseByteUnits(units)).toEqual({ ok: false, problem: 'syntax' }),
  );

  it.each(['byte * 2^999', 'byte * 2^60', 'byte * 2^-1', 'byte * 0', 'byte * 3 * 2^-1', 'byte * 0^-1', 'byte * ' + '9'.repeat(200)])(
    'refuses %j as out of range, never Infinity or a fraction',
    (units) => expect(parseByteUnits(units)).toEqual({ ok: false, problem: 'range' }),
  );

  it('refuses a unit longer than the bound before scanning it', () => {
    const units = 'byte * 2' + ' '.repeat(300_000) + 'x';
    expect(parseByteUnits(units)).toEqual({ ok: false, problem: 'too-long' });
    expect(parseByteUnits('byte * 2^20'.padEnd(MAX_UNITS_LENGTH + 1, ' '))).toEqual({ ok: false, problem: 'too-long' });
    expect(byteUnitMultiplier(units)).toBeUndefined();
  });

  it('keeps absent units as bytes, and refuses empty ones rather than read them as bytes', () => {
    expect(byteUnitMultiplier(undefined)).toBe(1);
    expect(byteUnitMultiplier('   ')).toBeUndefined();
    expect(parseByteUnits('')).toEqual({ ok: false, problem: 'empty' });
  });
});

describe('hertz units', () => {
  it.each([
    ['hertz * 10^6', 1e6],
    ['Hertz*10^9', 1e9],
    ['MegaHertz', 1e6],
    ['hertz', 1],
  ])('reads %j as %d', (units, multiplier) => expect(hertzUnitMultiplier(units)).toBe(multiplier));

  it('refuses an absurd exponent instead of returning Infinity', () => {
    expect(parseHertzUnits('hertz * 10^999')).toEqual({ ok: false, problem: 'range' });
    expect(parseHertzUnits('hertz * 10^13')).toEqual({ ok: false, problem: 'range' });
    expect(hertzUnitMultiplier('hertz * 10^999')).toBeUndefined();
    expect(parseHertzUnits('byte * 2^20')).toEqual({ ok: false, problem: 'syntax' });
  });
});

describe('scaled quantities', () => {
  it('is exact or undefined', () => {
    expect(scaledQuantity(64, 2 ** 20)).toBe(64 * 2 ** 20);
    expect(scaledQuantity(2 ** 40, 2 ** 20)).toBeUndefined();
    expect(scaledQuantity(undefined, 1)).toBeUndefined();
  });
});
