// The one door between the UI and the Rapport engine.
//
// Inside the desktop app every call goes to a Tauri command of the same name.
// This is the only file that imports `@tauri-apps/api`; screens call the
// functions below and never know which side answers.
//
// Outside Tauri (a plain browser running `npm run dev`, or the Playwright
// screenshots) calls go to an in-memory MOCK backend with fake data. The mock
// is for development and tests only: it is loaded only in a development
// build, so a production bundle has no mock code and the real app can never
// show mock data.

import { Channel, invoke as tauriInvoke } from '@tauri-apps/api/core';
import { listen } from '@tauri-apps/api/event';
import type {
  AppError,
  ConversationDetail,
  ConversationPage,
  ConversationsRequest,
  CsvPreview,
  Dashboard,
  DashboardQuery,
  Export,
  FormatOptions,
  ImportReport,
  Progress,
  Settings,
  Status,
} from './bindings';

export const inTauri = typeof window !== 'undefined' && '__TAURI_INTERNALS__' in window;

/** What a backend (the Tauri shell, or the development mock) answers to. */
export interface Backend {
  invoke<T>(command: string, args?: Record<string, unknown>): Promise<T>;
  /** `import_files` with its progress channel; `formats` carries a CSV column mapping. */
  importFiles(paths: string[], formats: FormatOptions | null, onProgress: (p: Progress) => void): Promise<ImportReport>;
  /** Calls `handler` with the paths of files dropped on the window; returns an unsubscribe. */
  onFileDrop(handler: (paths: string[]) => void): Promise<() => void>;
}

const tauriBackend: Backend = {
  invoke: (command, args) => tauriInvoke(command, args),
  importFiles(paths, formats, onProgress) {
    const channel = new Channel<Progress>();
    channel.onmessage = onProgress;
    return tauriInvoke<ImportReport>('import_files', { paths, formats, onProgress: channel });
  },
  async onFileDrop(handler) {
    return listen<{ paths: string[] }>('tauri://drag-drop', (event) => handler(event.payload.paths));
  },
};

let backendPromise: Promise<Backend> | null = null;

function backend(): Promise<Backend> {
  if (backendPromise) return backendPromise;
  if (inTauri) {
    backendPromise = Promise.resolve(tauriBackend);
  } else if (import.meta.env.DEV) {
    // DEVELOPMENT AND TESTS ONLY: fake data, never part of a release build.
    backendPromise = import('./mock/backend').then((m) => m.createMockBackend());
  } else {
    backendPromise = Promise.reject(
      toAppError({ code: 'no_backend', message: 'Rapport must be opened as the desktop app.' }),
    );
  }
  return backendPromise;
}

/** Every failure reaches the screens as an AppError, whatever threw it. */
export function toAppError(e: unknown): AppError {
  if (e && typeof e === 'object' && 'code' in e && 'message' in e) {
    return { code: String((e as AppError).code), message: String((e as AppError).message) };
  }
  if (e instanceof Error) return { code: 'internal', message: e.message };
  return { code: 'internal', message: String(e) };
}

async function call<T>(command: string, args?: Record<string, unknown>): Promise<T> {
  try {
    return await (await backend()).invoke<T>(command, args);
  } catch (e) {
    throw toAppError(e);
  }
}

export const status = () => call<Status>('status');
export const dashboard = (query: DashboardQuery) => call<Dashboard>('dashboard', { query });
export const conversations = (request: ConversationsRequest) =>
  call<ConversationPage>('conversations', { request });
export const conversation = (id: string) => call<ConversationDetail>('conversation', { id });
export const cancelImport = () => call<void>('cancel_import');
export const loadDemo = () => call<Status>('load_demo');
export const getSettings = () => call<Settings>('get_settings');
export const setSettings = (settings: Settings) => call<Settings>('set_settings', { settings });
export const timeZones = () => call<string[]>('time_zones');
/** The native "open" dialog, for files or (with `folder`) folders; [] when cancelled. */
export const pickImportPaths = (folder = false) => call<string[]>('pick_import_paths', { folder });
/** The native "save" dialog, then `contents` written there; where it went, or null when cancelled. */
export const saveTextFile = (name: string, contents: string) =>
  call<string | null>('save_text_file', { name, contents });

/** The native "save" dialog (suggesting `name`), then the export of `query` written there; where it went, or null. */
export const exportFile = (query: DashboardQuery, choice: Export, name: string) =>
  call<string | null>('export', { query, export: choice, name });
/** The files among `paths` that are CSV only a column mapping can read. */
export const csvNeedingMap = (paths: string[]) => call<string[]>('csv_needing_map', { paths });
/** A CSV's header and first 20 rows, for the mapping step. */
export const previewCsv = (path: string) => call<CsvPreview>('preview_csv', { path });

export async function importFiles(
  paths: string[],
  onProgress: (p: Progress) => void,
  formats: FormatOptions | null = null,
): Promise<ImportReport> {
  try {
    return await (await backend()).importFiles(paths, formats, onProgress);
  } catch (e) {
    throw toAppError(e);
  }
}

export async function onFileDrop(handler: (paths: string[]) => void): Promise<() => void> {
  return (await backend()).onFileDrop(handler);
}
