export { FakeTrayBackend, type TrayBackend } from './backend.js';
export {
  DEFAULT_POLL_INTERVAL_MS,
  TrayController,
  type TrayClient,
  type TrayControllerOptions,
  type TrayDesktop,
} from './controller.js';
export { clipboardCommand, openCommand, type DesktopCommand } from './desktop.js';
export { trayIconBase64 } from './icons.js';
export {
  MAX_PROCESS_ROWS,
  TRAY_ACTIONS,
  trayIcon,
  trayModel,
  type TrayAddresses,
  type TrayEntry,
  type TrayIcon,
  type TrayModel,
  type TrayState,
} from './model.js';
export { desktopFor, runTray, type RunTrayOptions } from './run-tray.js';
export { Systray2Backend, type Systray2BackendOptions } from './systray2-backend.js';
