// The Settings' "Data store" in the window: after a switch, everything the
// window holds comes again from the store now in use (its status, its
// settings, every cached number), and the dashboard shows it.

import type { DataStoreRequest, DataStoreView } from './bindings';
import { app } from './app.svelte';
import * as ipc from './ipc';
import { forget } from './load';

/** Switches, then reloads the window from the store now in use. */
export async function switchStore(request: DataStoreRequest): Promise<DataStoreView> {
  const view = await ipc.chooseDataStore(request);
  const [status, settings] = await Promise.all([ipc.status(), ipc.getSettings()]);
  app.fatal = null;
  app.status = status;
  app.settings = settings;
  app.applyTheme(settings.theme);
  forget();
  app.dataVersion++;
  app.go(app.hasData ? { name: 'dashboard' } : { name: 'welcome' });
  return view;
}
