import { Button, useComputedColorScheme, useMantineColorScheme } from '@mantine/core';

/** Light/dark switch; the choice is remembered in localStorage by Mantine. */
export function ColorSchemeToggle() {
  const { setColorScheme } = useMantineColorScheme();
  const computed = useComputedColorScheme('light', { getInitialValueInEffect: true });
  const next = computed === 'dark' ? 'light' : 'dark';
  return (
    <Button variant="default" size="xs" onClick={() => setColorScheme(next)} aria-label={`Switch to ${next} mode`}>
      {computed === 'dark' ? 'Light mode' : 'Dark mode'}
    </Button>
  );
}
