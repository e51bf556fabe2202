// One loading function per data command, each keyed by what it asks for.
// A repeated request (going back to the dashboard, scrolling back up) is
// answered from a small cache; `forget` empties it when the data changes.

import type { ConversationPage, ConversationsRequest, DashboardView, QueryText, Transcript } from './bindings';
import * as ipc from './ipc';
import { queryAttribute } from './query/state';

export class Cache<T> {
  private entries = new Map<string, Promise<T>>();
  constructor(private readonly size: number) {}

  get(key: string, load: () => Promise<T>): Promise<T> {
    const hit = this.entries.get(key);
    if (hit) {
      // Most recently used last.
      this.entries.delete(key);
      this.entries.set(key, hit);
      return hit;
    }
    const promise = load();
    // A failed load is not remembered: the next visit tries again.
    promise.catch(() => this.entries.delete(key));
    this.entries.set(key, promise);
    while (this.entries.size > this.size) this.entries.delete(this.entries.keys().next().value!);
    return promise;
  }

  clear() {
    this.entries.clear();
  }
}

const dashboards = new Cache<DashboardView>(12);
const pages = new Cache<ConversationPage>(200);
const details = new Cache<Transcript>(30);

export function loadDashboard(query: QueryText): Promise<DashboardView> {
  return dashboards.get(queryAttribute(query), () => ipc.dashboard(query));
}

export function loadConversations(request: ConversationsRequest): Promise<ConversationPage> {
  const key = JSON.stringify({ ...request, query: JSON.parse(queryAttribute(request.query)) });
  return pages.get(key, () => ipc.conversations(request));
}

export function loadConversation(id: string): Promise<Transcript> {
  return details.get(id, () => ipc.conversation(id));
}

/** After an import or a settings change: everything must be asked again. */
export function forget() {
  dashboards.clear();
  pages.clear();
  details.clear();
}
