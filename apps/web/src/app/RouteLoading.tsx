import { Center, Loader, Progress } from '@mantine/core';

/** While a screen's code chunk loads: a thin bar over the current screen, or a spinner in its place. */
export function RouteLoading({ overlay = false }: { overlay?: boolean }) {
  if (overlay) return <Progress value={100} animated size="xs" pos="fixed" top={0} left={0} right={0} style={{ zIndex: 1000 }} aria-label="Loading screen" />;
  return (
    <Center mih={200} role="status">
      <Loader size="sm" aria-label="Loading screen" />
    </Center>
  );
}
