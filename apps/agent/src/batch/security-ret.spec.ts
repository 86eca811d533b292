import { describe, expect, it } from 'vitest';
import { securityRet } from './security-ret';

describe('securityRet', () => {
  it('keeps -errno and small results, reports an mmap address as success (0)', () => {
    expect(securityRet(-13n)).toBe(-13);
    expect(securityRet(-4095n)).toBe(-4095);
    expect(securityRet(3n)).toBe(3);
    expect(securityRet(140034331934720n)).toBe(0); // 0x7f5c…: was -1851572224 after 32-bit truncation
    expect(securityRet(BigInt.asUintN(64, -12n))).toBe(-12); // read as unsigned
  });
});
