// The Settings' "Data store" section as typed, and the request it makes:
// the password is never shown back, so an empty field keeps the saved one.

import type { DataStoreKind, DataStoreRequest, DataStoreView } from './bindings';

/** What the person typed in the Data store section. */
export interface DataStoreDraft {
  kind: DataStoreKind;
  url: string;
  user: string;
  /** Typed now; empty keeps the saved one (unless `forgetPassword`). */
  password: string;
  forgetPassword: boolean;
}

export function draftOf(view: DataStoreView): DataStoreDraft {
  return { kind: view.kind, url: view.url, user: view.user, password: '', forgetPassword: false };
}

/** The request a draft makes: `password` null keeps the one saved for that server and user. */
export function requestOf(draft: DataStoreDraft): DataStoreRequest {
  return {
    kind: draft.kind,
    url: draft.url.trim(),
    user: draft.user.trim(),
    password: draft.password !== '' ? draft.password : draft.forgetPassword ? '' : null,
  };
}

/** Whether switching would change the store in use, or how it is reached. */
export function changes(view: DataStoreView, draft: DataStoreDraft): boolean {
  if (draft.kind !== view.kind) return true;
  if (draft.kind === 'this_computer') return false;
  return (
    draft.url.trim() !== view.url ||
    draft.user.trim() !== view.user ||
    draft.password !== '' ||
    draft.forgetPassword ||
    view.unreachable !== null
  );
}
