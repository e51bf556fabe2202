// What the whole app shares: the store's status, the settings, the
// dashboard state and which screen is open. Screens read and change it;
// nothing else holds state that outlives a screen.

import type { AppError, AppSettings, CardLayout, Drill, FilterKey, SavedView, Status, Theme } from './bindings';
import * as ipc from './ipc';
import { forget, loadDashboard } from './load';
import {
  addFilter,
  addSegmentFilter,
  type DashboardQuery,
  loadState,
  parseState,
  removeFilter,
  removeSegmentFilter,
  saveState,
  serialiseState,
  toQuery,
} from './query/state';
import { computerZone, isValidZone } from './query/zone';

export type Screen =
  | { name: 'loading' }
  | { name: 'welcome' }
  | { name: 'dashboard' }
  | { name: 'conversations'; drill: Drill | null }
  | { name: 'conversation'; id: string; back: Screen }
  | { name: 'import' }
  | { name: 'settings' };

function storage(): Storage | null {
  try {
    return typeof localStorage === 'undefined' ? null : localStorage;
  } catch {
    return null;
  }
}

class App {
  status = $state<Status | null>(null);
  settings = $state<AppSettings | null>(null);
  state = $state<DashboardQuery>(loadState(storage(), computerZone()));
  screen = $state<Screen>({ name: 'loading' });
  /** Raised after an import or a settings change, so every loader fetches again. */
  dataVersion = $state(0);
  theme = $state<'light' | 'dark'>('light');
  fatal = $state<AppError | null>(null);
  /** While this computer's store is brought up to date (an older Rapport wrote it): what the engine says of it. */
  upgrading = $state<string | null>(null);
  /** Set by Ctrl+F (⌘F); the conversations screen takes it and focuses its search box. */
  searchRequested = $state(false);
  /** Set by Ctrl+O (⌘O); the import screen takes it and opens the file dialog. */
  pickRequested = $state(false);
  /** Paths dropped on the window, waiting for the import screen to take them. */
  dropped = $state<string[]>([]);
  /** Whether files are being dragged over the window (from the shell's drag events). */
  dragging = $state(false);

  get query() {
    return toQuery(this.state, Date.now(), this.status);
  }

  get hasData() {
    return (this.status?.stored.conversations ?? 0) > 0;
  }

  async start() {
    // Until the settings say otherwise, follow the system (no light flash in a dark room).
    this.applyTheme('system');
    try {
      const [status, settings] = await Promise.all([ipc.status(), ipc.getSettings()]);
      // Marks the page's way to its first numbers (tests/e2e/redraw-benchmark.mjs reads them).
      performance.mark('rapport:status-answered');
      this.status = status;
      this.settings = settings;
      // A zone stored by an older session wins; a fresh start uses the
      // settings' default zone, then the computer's.
      if (!storage()?.getItem('rapport.dashboard') && settings.default_zone && isValidZone(settings.default_zone)) {
        this.state = { ...this.state, zone: settings.default_zone };
      }
      this.applyTheme(settings.theme);
      // Asked now, before the dashboard's cards and charts are made: the
      // screen finds the answer coming (or come) in the cache, so the
      // engine computes while the page builds the screen.
      if (this.hasData) loadDashboard(this.query).catch(() => {});
      this.screen = this.hasData ? { name: 'dashboard' } : { name: 'welcome' };
    } catch (e) {
      const error = ipc.toAppError(e);
      if (error.code === 'store_upgrading') {
        // Asked again until the store is up to date; the window says so meanwhile.
        this.upgrading = error.message;
        setTimeout(() => void this.start(), 500);
        return;
      }
      this.upgrading = null;
      this.fatal = error;
      return;
    }
    this.upgrading = null;
  }

  setState(next: DashboardQuery) {
    this.state = next;
    saveState(storage(), next);
  }

  addFilter(key: FilterKey, value: string) {
    this.setState(addFilter(this.state, key, value));
  }

  removeFilter(key: FilterKey, value: string) {
    this.setState(removeFilter(this.state, key, value));
  }

  addSegmentFilter(key: FilterKey, value: string) {
    this.setState(addSegmentFilter(this.state, key, value));
  }

  removeSegmentFilter(key: FilterKey, value: string) {
    this.setState(removeSegmentFilter(this.state, key, value));
  }

  /** Keeps the dashboard's query under `name` in the store, replacing a view of that name. */
  async saveView(name: string) {
    if (!this.settings) return;
    const view: SavedView = { name, query: serialiseState(this.state) };
    const views = [...this.settings.views.filter((v) => v.name !== name), view];
    views.sort((a, b) => a.name.localeCompare(b.name));
    await this.saveSettings({ ...this.settings, views });
  }

  async deleteView(name: string) {
    if (!this.settings) return;
    await this.saveSettings({ ...this.settings, views: this.settings.views.filter((v) => v.name !== name) });
  }

  /** Opens a saved view: its query as saved, each field checked as at start. */
  openView(view: SavedView) {
    this.setState(parseState(view.query, this.state.zone));
    this.screen = { name: 'dashboard' };
  }

  async saveLayout(layout: CardLayout) {
    if (!this.settings) return;
    await this.saveSettings({ ...this.settings, layout });
  }

  go(screen: Screen) {
    this.screen = screen;
  }

  openConversation(id: string) {
    this.screen = { name: 'conversation', id, back: this.screen };
  }

  async refreshStatus() {
    this.status = await ipc.status();
    forget();
    this.dataVersion++;
    // The dashboard is what one looks at after an import: its new numbers
    // are asked for now, while the import's report is read, so that they
    // are there when the dashboard is opened.
    if (this.hasData && this.screen.name !== 'dashboard') loadDashboard(this.query).catch(() => {});
  }

  async saveSettings(settings: AppSettings) {
    this.settings = await ipc.setSettings(settings);
    this.applyTheme(this.settings.theme);
    // A new GeoIP database choice can end a warning the status carries.
    this.status = await ipc.status();
    forget();
    this.dataVersion++;
  }

  applyTheme(theme: Theme) {
    const dark =
      theme === 'dark' ||
      (theme === 'system' && typeof matchMedia !== 'undefined' && matchMedia('(prefers-color-scheme: dark)').matches);
    this.theme = dark ? 'dark' : 'light';
    document.documentElement.dataset.theme = this.theme;
  }
}

export const app = new App();
