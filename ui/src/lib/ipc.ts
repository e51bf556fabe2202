// The one door between the UI and the Rapport engine.
//
// Every call goes to the desktop shell's Tauri command of the same name, and
// so to the engine: there is no second implementation of the numbers in the
// UI. This is the only file that imports `@tauri-apps/api`; screens call the
// functions below. Outside the app (a plain browser) every call fails with
// a sentence saying so.

import { Channel, invoke as tauriInvoke } from '@tauri-apps/api/core';
import { getCurrentWebview } from '@tauri-apps/api/webview';
import type {
  AppError,
  AppSettings,
  ConnectionTest,
  ConversationPage,
  ConversationsRequest,
  CsvPreview,
  DashboardView,
  DataStoreRequest,
  DataStoreView,
  Export,
  ImportOptions,
  ImportReport,
  Progress,
  QueryText,
  SearchHit,
  Topic,
  Status,
  Transcript,
} from './bindings';

export const inTauri = typeof window !== 'undefined' && '__TAURI_INTERNALS__' in window;

const NO_BACKEND: AppError = { code: 'no_backend', message: 'Rapport must be opened as the desktop app.' };

/** Every failure reaches the screens as an AppError, whatever threw it. */
export function toAppError(e: unknown): AppError {
  if (e && typeof e === 'object' && 'code' in e && 'message' in e) {
    return { code: String((e as AppError).code), message: String((e as AppError).message) };
  }
  if (e instanceof Error) return { code: 'internal', message: e.message };
  return { code: 'internal', message: String(e) };
}

async function call<T>(command: string, args?: Record<string, unknown>): Promise<T> {
  if (!inTauri) throw NO_BACKEND;
  try {
    return await tauriInvoke<T>(command, args);
  } catch (e) {
    throw toAppError(e);
  }
}

export const status = () => call<Status>('status');
export const dashboard = (query: QueryText) => call<DashboardView>('dashboard', { query });
export const topics = (query: QueryText) => call<Topic[]>('topics', { query });
export const conversations = (request: ConversationsRequest) =>
  call<ConversationPage>('conversations', { request });
export const conversation = (id: string) => call<Transcript>('conversation', { id });
export const search = (query: QueryText, phrase: string) => call<SearchHit[]>('search', { query, phrase });
export const cancelImport = () => call<void>('cancel_import');
export const loadDemo = () => call<Status>('load_demo');
export const getSettings = () => call<AppSettings>('get_settings');
export const setSettings = (settings: AppSettings) => call<AppSettings>('set_settings', { settings });
export const timeZones = () => call<string[]>('time_zones');
/** The Settings' data store: this computer's or a ClickHouse server (never its password). */
export const dataStore = () => call<DataStoreView>('data_store');
/** Asks the server of `request` whether it answers and what its database holds; creates nothing. */
export const testDataStore = (request: DataStoreRequest) => call<ConnectionTest>('test_data_store', { request });
/** Switches to the store of `request` (kept for the next start); the store in use stays when it cannot be opened. */
export const chooseDataStore = (request: DataStoreRequest) => call<DataStoreView>('choose_data_store', { request });
/** The native "open" dialog, for files or (with `folder`) folders; [] when cancelled. */
export const pickImportPaths = (folder = false) => call<string[]>('pick_import_paths', { folder });
/** The native "save" dialog, then `contents` written there; where it went, or null when cancelled. */
export const saveTextFile = (name: string, contents: string) =>
  call<string | null>('save_text_file', { name, contents });

/** The native "save" dialog (suggesting `name`), then the export of `query` written there; where it went, or null. */
export const exportFile = (query: QueryText, choice: Export, name: string) =>
  call<string | null>('export', { query, export: choice, name });
/** The files among `paths` that are CSV only a column mapping can read. */
export const csvNeedingMap = (paths: string[]) => call<string[]>('csv_needing_map', { paths });
/** A CSV's header and first 20 rows, for the mapping step. */
export const previewCsv = (path: string) => call<CsvPreview>('preview_csv', { path });

/** The paths in text pasted into the import box: quotes stripped, `~` and relative paths read from the home folder. */
export const pastedPaths = (text: string) => call<string[]>('pasted_paths', { text });

/** `import_files` with its progress channel; `options` carries a CSV column mapping. */
export async function importFiles(
  paths: string[],
  onProgress: (p: Progress) => void,
  options: ImportOptions | null = null,
): Promise<ImportReport> {
  const channel = inTauri ? new Channel<Progress>() : null;
  if (channel) channel.onmessage = onProgress;
  return call<ImportReport>('import_files', { paths, options, onProgress: channel });
}

/** Files dragged over the window: entering (`over` true), leaving, or dropped with their paths. */
export type DragEvent = { kind: 'over' } | { kind: 'leave' } | { kind: 'drop'; paths: string[] };

/**
 * Calls `handler` as files are dragged over the window and dropped, from the
 * shell's own drag events: with Tauri's drop handling on, the page's HTML
 * drag events do not fire in every webview (Windows' WebView2 among them).
 * Returns an unsubscribe.
 */
export async function onDrag(handler: (e: DragEvent) => void): Promise<() => void> {
  if (!inTauri) return () => {};
  return getCurrentWebview().onDragDropEvent((event) => {
    const p = event.payload;
    if (p.type === 'enter' || p.type === 'over') handler({ kind: 'over' });
    else if (p.type === 'leave') handler({ kind: 'leave' });
    else handler({ kind: 'drop', paths: p.paths });
  });
}
