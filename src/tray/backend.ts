/**
 * The tray as the controller sees it: a menu to show and clicks to hear. Systray2Backend is the
 * real one; FakeTrayBackend records menus and lets tests click.
 */
import type { TrayModel } from './model.js';

export interface TrayBackend {
  /** Shows the model (the first call creates the icon). */
  setMenu(model: TrayModel): Promise<void>;
  /** Calls `listener` with the id of each clicked item. */
  onClick(listener: (id: string) => void): void;
  /** Removes the icon. Idempotent. */
  close(): Promise<void>;
}

/** Records every menu; `click` refuses what a user could not click (hidden or disabled items). */
export class FakeTrayBackend implements TrayBackend {
  readonly menus: TrayModel[] = [];
  closed = false;
  private listener: ((id: string) => void) | undefined;

  get last(): TrayModel | undefined {
    return this.menus.at(-1);
  }

  setMenu(model: TrayModel): Promise<void> {
    if (this.closed) return Promise.reject(new Error('setMenu after close'));
    this.menus.push(model);
    return Promise.resolve();
  }

  onClick(listener: (id: string) => void): void {
    this.listener = listener;
  }

  /** The shown item with that id (throws when there is none). */
  item(id: string): { title: string; tooltip: string; enabled: boolean; hidden: boolean } {
    const found = this.last?.items.find((entry) => entry.id === id);
    if (!found || found.kind !== 'item') throw new Error(`no menu item ${id}`);
    return found;
  }

  click(id: string): void {
    const item = this.item(id);
    if (item.hidden || !item.enabled)
      throw new Error(`menu item ${id} cannot be clicked (${item.hidden ? 'hidden' : 'disabled'})`);
    if (!this.listener) throw new Error('nobody listens to clicks');
    this.listener(id);
  }

  close(): Promise<void> {
    this.closed = true;
    return Promise.resolve();
  }
}
