import '@testing-library/jest-dom/vitest';
import { cleanup, configure } from '@testing-library/react';
import { afterEach, vi } from 'vitest';

// the machine is shared and the first render of a lazy screen transforms it: give async queries time
configure({ asyncUtilTimeout: 8000 });

// jsdom lacks the layout APIs Mantine and the charts ask for; these answer "nothing matches, no size".
Object.defineProperty(window, 'matchMedia', {
  writable: true,
  value: (query: string) => ({ matches: false, media: query, onchange: null, addListener: vi.fn(), removeListener: vi.fn(), addEventListener: vi.fn(), removeEventListener: vi.fn(), dispatchEvent: vi.fn() }),
});
class NoResize {
  observe(): void {}
  unobserve(): void {}
  disconnect(): void {}
}
window.ResizeObserver = NoResize as unknown as typeof ResizeObserver;
window.HTMLElement.prototype.scrollIntoView = () => {};
if (!('fonts' in document)) Object.defineProperty(document, 'fonts', { value: Object.assign(new EventTarget(), { ready: Promise.resolve() }) });

afterEach(() => {
  cleanup();
  vi.unstubAllGlobals();
});
