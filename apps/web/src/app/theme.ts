import { Alert, createTheme, Modal, type CSSVariablesResolver } from '@mantine/core';

export const theme = createTheme({
  primaryColor: 'blue',
  // shade 8: white text on filled buttons and badges keeps a 4.5:1 contrast (WCAG AA) in both schemes
  primaryShade: { light: 8, dark: 8 },
  // filled badges and buttons pick black or white text, whichever keeps 4.5:1 on their colour
  autoContrast: true,
  luminanceThreshold: 0.18,
  defaultRadius: 'sm',
  fontFamily: 'system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif',
  fontFamilyMonospace: 'ui-monospace, SFMono-Regular, Menlo, Consolas, monospace',
  components: {
    // light-tinted alert titles (yellow, red) fall under 4.5:1; the default variant keeps body colours
    Alert: Alert.extend({ defaultProps: { variant: 'default' } }),
    // Mantine's close button has no accessible name by itself
    Modal: Modal.extend({ defaultProps: { closeButtonProps: { 'aria-label': 'Close dialog' } } }),
  },
});

/** Secondary ("dimmed") text dark enough for 4.5:1 on the page and card backgrounds. */
export const cssVariablesResolver: CSSVariablesResolver = () => ({
  variables: {},
  light: { '--mantine-color-dimmed': 'var(--mantine-color-gray-7)', '--mantine-color-error': 'var(--mantine-color-red-8)' },
  dark: { '--mantine-color-dimmed': 'var(--mantine-color-dark-1)' },
});
