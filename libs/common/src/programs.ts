/**
 * Program names the agent and the analyzer judge alike (by an executable's file name): the agent
 * checks a shell's stdin as it starts (`stdio_socket`), the analyzer's rules and trees treat the
 * same names as shells.
 */
export const SHELL_NAMES = ['sh', 'bash', 'dash', 'zsh', 'ksh', 'mksh', 'ash', 'fish', 'tcsh', 'csh', 'busybox'] as const;
