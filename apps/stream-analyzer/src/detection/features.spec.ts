import { describe, expect, it } from 'vitest';
import { portClass } from './features';

describe('portClass', () => {
  it('keeps service ports exact and folds kernel-assigned ones into one class', () => {
    expect(portClass(22)).toBe('22');
    expect(portClass(4444)).toBe('4444');
    expect(portClass(32_767)).toBe('32767');
    expect(portClass(0)).toBe('ephemeral');
    expect(portClass(32_768)).toBe('ephemeral');
    expect(portClass(60_999)).toBe('ephemeral');
  });
});
