import { useEffect } from 'react';

export interface ListKeyboardHandlers {
  count: number;
  cursor: number;
  setCursor: (i: number) => void;
  onOpen: (i: number) => void;
  onToggle: (i: number) => void;
}

/** Is the key meant for a text field (or with a modifier) rather than for the list? */
function ignored(e: KeyboardEvent): boolean {
  const t = e.target as HTMLElement | null;
  if (e.ctrlKey || e.metaKey || e.altKey) return true;
  if (!t) return false;
  return t.isContentEditable || ['INPUT', 'TEXTAREA', 'SELECT'].includes(t.tagName) || t.getAttribute('role') === 'combobox';
}

/** Keyboard triage of a list: j/k move, Enter opens, x selects (ignored while typing in a field). */
export function useListKeyboard({ count, cursor, setCursor, onOpen, onToggle }: ListKeyboardHandlers): void {
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if (ignored(e) || count === 0) return;
      switch (e.key) {
        case 'j':
          setCursor(Math.min(count - 1, cursor + 1));
          break;
        case 'k':
          setCursor(Math.max(0, cursor - 1));
          break;
        case 'Enter':
          if (cursor < 0) return;
          // a focused button or link handles Enter itself
          if ((e.target as HTMLElement | null)?.closest('button, a')) return;
          onOpen(cursor);
          break;
        case 'x':
          if (cursor >= 0) onToggle(cursor);
          break;
        default:
          return;
      }
      e.preventDefault();
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [count, cursor, setCursor, onOpen, onToggle]);
}
