import { notifications, type NotificationData } from '@mantine/notifications';

/** A toast with a labelled close button (Mantine's has no accessible name by itself). */
export function notify(n: NotificationData): void {
  notifications.show({ autoClose: 5000, ...n, closeButtonProps: { 'aria-label': 'Dismiss notification', ...n.closeButtonProps } });
}
