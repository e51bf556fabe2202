// DEVELOPMENT MOCK ONLY — NOT THE PRODUCT.
//
// An in-memory stand-in for the Tauri shell, used by `ipc.ts` only when the
// page is not inside Tauri and the build is a development build (`npm run
// dev`, the Playwright screenshots). It answers the same commands with fake,
// deterministic data. Release builds do not contain it.
//
// URL switches, for looking at edge cases in a browser:
//   ?mockDemo=1         start with the demo data loaded (skips the welcome screen)
//   ?mockRows=100000    the conversations list has that many synthetic rows
//   ?mockNoIp=1         no conversation has an IP address (empty map)
//   ?mockConversations=N  how many demo conversations (default 4000)

import type {
  ConversationPage,
  ConversationRow,
  ConversationsRequest,
  CsvPreview,
  Dashboard,
  DashboardQuery,
  FileReport,
  FormatOptions,
  ImportReport,
  Progress,
  Settings,
  Status,
} from '../bindings';
import type { Backend } from '../ipc';
import { previousRange } from '../query/period';
import { generateConversations, MOCK_PRICES, type MockConversation } from './data';
import { computeMetrics, localClock, passesFilters } from './metrics';
import { downloadTextFile } from '../save';

const DEFAULT_ESCALATION_TOOLS = ['fallback_to_human', 'open_ticket', 'ticket', 'contact_human'];

function params(): URLSearchParams {
  return new URLSearchParams(typeof location === 'undefined' ? '' : location.search);
}

// Like the JSON crossing of real IPC: the caller's objects are never shared.
const copy = <T>(value: T): T => JSON.parse(JSON.stringify(value)) as T;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export function createMockBackend(): Backend {
  const p = params();
  const size = Number(p.get('mockConversations') ?? 4000);
  const syntheticRows = Number(p.get('mockRows') ?? 0);
  const today = new Date();
  const endDayMs = Date.UTC(today.getUTCFullYear(), today.getUTCMonth(), today.getUTCDate());

  let conversations: MockConversation[] = [];
  let files: Status['files'] = [];
  let cancelled = false;
  let settings: Settings = {
    default_zone: null,
    escalation_tools: [...DEFAULT_ESCALATION_TOOLS],
    geo_database: null,
    prices: [...MOCK_PRICES],
    theme: 'system',
  };

  const loadDemo = () => {
    conversations = generateConversations({ conversations: size, endDayMs, noIp: p.get('mockNoIp') === '1' });
    files = [
      {
        id: 1,
        path: 'demo/support-bot-events.jsonl',
        format: 'jsonl',
        bytes: conversations.length * 2900,
        records: conversations.reduce((s, c) => s + 1 + c.messages.length + c.actions.length + c.feedback.length, 0),
        rejected: 0,
        imported_at: new Date().toISOString(),
      },
    ];
  };
  if (p.get('mockDemo') === '1') loadDemo();

  const status = (): Status => {
    const times = conversations.flatMap((c) => c.messages.map((m) => Date.parse(m.timestamp)));
    const first = times.length ? Math.min(...times) : null;
    const last = times.length ? Math.max(...times) : null;
    return {
      store: 'in-memory development mock',
      schema_version: 1,
      stored: {
        conversations: conversations.length,
        messages: conversations.reduce((s, c) => s + c.messages.length, 0),
        actions: conversations.reduce((s, c) => s + c.actions.length, 0),
        feedback: conversations.reduce((s, c) => s + c.feedback.length, 0),
      },
      first_message: first === null ? null : new Date(first).toISOString(),
      last_message: last === null ? null : new Date(last).toISOString(),
      files,
      warnings: [],
    };
  };

  const dashboard = (query: DashboardQuery): Dashboard => {
    const priced = new Set(settings.prices.map((x) => x.model));
    const current = computeMetrics(conversations, query, settings.escalation_tools, priced);
    const prev = previousRange(query.from, query.to);
    const previous = computeMetrics(conversations, { ...query, ...prev }, settings.escalation_tools, priced);
    const from = Date.parse(query.from);
    const to = Date.parse(query.to);
    const latest = conversations
      .filter((c) => passesFilters(c, query.filters))
      .flatMap((c) =>
        c.feedback
          .filter((f) => f.comment && f.timestamp && Date.parse(f.timestamp) >= from && Date.parse(f.timestamp) < to)
          .map((f) => ({ conversation_id: c.conversation_id, timestamp: f.timestamp!, rating: f.rating, comment: f.comment! })),
      )
      .map((c, row) => ({ ...c, row }))
      .sort((a, b) => b.timestamp.localeCompare(a.timestamp))
      .slice(0, 5);
    return {
      ...current.metrics,
      previous: previous.metrics,
      extras: {
        models: current.models,
        latest_comments: latest,
        conversations_with_ip: current.conversationsWithIp,
        geo_attribution: 'IP geolocation by IPtoASN (Open Data Commons PDDL 1.0)',
      },
    };
  };

  const toRow = (c: MockConversation, escalation: Set<string>): ConversationRow => ({
    conversation_id: c.conversation_id,
    started_at: c.started_at,
    customer_id: c.customer_id,
    country: c.country,
    device: c.device ?? 'unknown',
    source: c.source ?? 'unknown',
    language: c.language ?? 'unknown',
    messages: c.messages.length,
    duration_s: (c.endMs - c.startMs) / 1000,
    escalated: c.actions.some((a) => escalation.has(a.name.toLowerCase())),
    feedback: c.feedback[c.feedback.length - 1]?.rating ?? null,
  });

  const syntheticPage = (req: ConversationsRequest): ConversationPage => {
    const from = Date.parse(req.query.from);
    const rows: ConversationRow[] = [];
    for (let i = req.offset; i < Math.min(syntheticRows, req.offset + req.limit); i++) {
      rows.push({
        conversation_id: `synthetic-${String(i + 1).padStart(6, '0')}`,
        started_at: new Date(from + i * 7_000).toISOString(),
        customer_id: i % 4 === 0 ? null : `cust-${String((i * 7919) % 30000).padStart(5, '0')}`,
        country: ['US', 'DE', 'GB', 'BR', 'unknown'][i % 5],
        device: ['desktop', 'mobile', 'tablet'][i % 3],
        source: ['web', 'whatsapp', 'telegram'][i % 3],
        language: ['en', 'de', 'es', 'pt-BR'][i % 4],
        messages: 2 + (i % 13),
        duration_s: 30 + ((i * 37) % 900),
        escalated: i % 17 === 0,
        feedback: i % 9 === 0 ? 'negative' : i % 5 === 0 ? 'positive' : null,
      });
    }
    return { total: syntheticRows, rows };
  };

  const conversationsPage = (req: ConversationsRequest): ConversationPage => {
    if (syntheticRows > 0) return syntheticPage(req);
    const { query, drill } = req;
    const from = Date.parse(query.from);
    const to = Date.parse(query.to);
    const clock = localClock(query.tz);
    const search = req.search.trim().toLowerCase();
    const escalation = new Set(settings.escalation_tools.map((t) => t.toLowerCase()));
    const matching = conversations.filter((c) => {
      if (!passesFilters(c, query.filters)) return false;
      if (drill?.kind === 'day') {
        if (!c.messages.some((m) => {
          const t = Date.parse(m.timestamp);
          return t >= from && t < to && clock(t).date === drill.date;
        })) return false;
      } else if (drill?.kind === 'hour') {
        if (!c.messages.some((m) => {
          const t = Date.parse(m.timestamp);
          const local = clock(t);
          return t >= from && t < to && local.weekday === drill.weekday && local.hour === drill.hour;
        })) return false;
      } else if (drill?.kind === 'tool') {
        if (!c.actions.some((a) => {
          const t = Date.parse(a.started_at);
          return t >= from && t < to && a.name === drill.name;
        })) return false;
      } else if (!(c.startMs >= from && c.startMs < to)) {
        return false;
      }
      if (!search) return true;
      return (
        c.conversation_id.toLowerCase().includes(search) ||
        (c.customer_id ?? '').toLowerCase().includes(search) ||
        c.messages.some((m) => (m.content ?? '').toLowerCase().includes(search))
      );
    });
    const rows = matching.map((c) => toRow(c, escalation));
    const key = req.sort.key as keyof ConversationRow;
    const dir = req.sort.desc ? -1 : 1;
    rows.sort((a, b) => {
      const x = a[key];
      const y = b[key];
      if (x === y) return a.conversation_id.localeCompare(b.conversation_id);
      if (x === null) return 1;
      if (y === null) return -1;
      return (x < y ? -1 : 1) * dir;
    });
    return { total: rows.length, rows: rows.slice(req.offset, req.offset + req.limit) };
  };

  // A CSV is of unknown columns unless named for a kind (the native format)
  // or holding "langfuse" / "dify" in its name (another platform's export).
  const needsMap = (path: string) =>
    /\.csv(\.gz)?$/i.test(path) && !/(^|\/)(conversations|messages|actions|feedback)\.csv|langfuse|dify/i.test(path);

  const previewCsv = (path: string): CsvPreview => {
    if (!needsMap(path)) throw { code: 'engine', message: `${path}: not a CSV of other columns` };
    const senders = ['customer', 'bot'];
    return {
      headers: ['Chat', 'Sender', 'Sent at', 'Text', 'Channel'],
      rows: Array.from({ length: 20 }, (_, i) => [
        `chat-${Math.floor(i / 4) + 1}`,
        senders[i % 2],
        `2026-10-0${1 + Math.floor(i / 4)} 09:${String(i * 2).padStart(2, '0')}:00`,
        i % 2 ? 'Thanks for waiting, here is what I found.' : 'Where is my parcel?',
        i % 3 ? 'web' : 'whatsapp',
      ]),
    };
  };

  const importFiles = async (
    paths: string[],
    formats: FormatOptions | null,
    onProgress: (p: Progress) => void,
  ): Promise<ImportReport> => {
    cancelled = false;
    const reports: FileReport[] = [];
    const bytesTotal = paths.length * 4_200_000;
    let records = 0;
    let rejected = 0;
    for (const [i, path] of paths.entries()) {
      const mapped = needsMap(path);
      const format = mapped ? 'csv-mapped' : /\.csv(\.gz)?$/i.test(path) ? 'csv' : /\.json(\.gz)?$/i.test(path) ? 'json' : 'jsonl';
      if (mapped && !formats?.map && !formats?.files.some((c) => c.path === path)) {
        reports.push({ path, format: 'unknown', records: 0, rejected: 0, rejections: [], error: 'a CSV file needs a `type` column, or --map FIELD=COLUMN' });
        continue;
      }
      const steps = 12;
      for (let s = 1; s <= steps; s++) {
        if (cancelled) {
          return { files: reports, stored: status().stored, rejected, cancelled: true };
        }
        await sleep(120);
        records += 950;
        if (s % 5 === 0) rejected++;
        onProgress({
          file: path,
          files_done: i,
          files_total: paths.length,
          bytes_done: i * 4_200_000 + (s / steps) * 4_200_000,
          bytes_total: bytesTotal,
          records,
          rejected,
        });
      }
      reports.push({
        path,
        format,
        records: 11_400,
        rejected: 2,
        rejections: [
          { where: 'line 1,204', reason: 'missing required field "role"' },
          { where: 'line 3,310', reason: 'unreadable timestamp "yesterday, 5pm"' },
        ],
        error: null,
      });
    }
    if (conversations.length === 0) loadDemo();
    files = [
      ...files,
      ...reports.map((r, i) => ({ id: files.length + i + 1, path: r.path, format: r.format, bytes: 4_200_000, records: r.records, rejected: r.rejected, imported_at: new Date().toISOString() })),
    ];
    return { files: reports, stored: status().stored, rejected: reports.reduce((s, r) => s + r.rejected, 0), cancelled: false };
  };

  const zones = (): string[] => {
    const intl = Intl as unknown as { supportedValuesOf?: (k: string) => string[] };
    const list = intl.supportedValuesOf?.('timeZone') ?? ['UTC', 'Europe/Berlin', 'America/New_York'];
    return list.includes('UTC') ? list : ['UTC', ...list];
  };

  const commands: Record<string, (args: Record<string, unknown>) => unknown> = {
    status: () => status(),
    dashboard: (a) => dashboard(a.query as DashboardQuery),
    conversations: (a) => conversationsPage(a.request as ConversationsRequest),
    conversation: (a) => {
      const c = conversations.find((x) => x.conversation_id === a.id);
      if (!c) throw { code: 'not_found', message: `No conversation "${String(a.id)}" in the store.` };
      const { startMs: _s, endMs: _e, ...detail } = c;
      return detail;
    },
    cancel_import: () => {
      cancelled = true;
    },
    load_demo: () => {
      loadDemo();
      return status();
    },
    get_settings: () => copy(settings),
    set_settings: (a) => {
      settings = copy(a.settings as Settings);
      return copy(settings);
    },
    time_zones: () => zones(),
    pick_import_paths: (a) =>
      a.folder ? ['Downloads/chat-exports'] : ['Downloads/support-bot-october.jsonl', 'Downloads/whatsapp-export.csv'],
    export: (a) => {
      // The real app writes the engine's file; the mock only says where.
      return `Downloads/${String(a.name)}`;
    },
    csv_needing_map: (a) => (a.paths as string[]).filter(needsMap),
    preview_csv: (a) => previewCsv(String(a.path)),
    save_text_file: (a) => {
      downloadTextFile(String(a.name), String(a.contents));
      return `Downloads/${String(a.name)}`;
    },
  };

  return {
    async invoke<T>(command: string, args: Record<string, unknown> = {}): Promise<T> {
      await sleep(30);
      const handler = commands[command];
      if (!handler) throw { code: 'unknown_command', message: `The mock has no command "${command}".` };
      return handler(copy(args)) as T;
    },
    importFiles,
    async onFileDrop(handler) {
      // A browser hides where a dropped file lives, so the mock reports names.
      const onDrop = (e: DragEvent) => {
        e.preventDefault();
        const names = [...(e.dataTransfer?.files ?? [])].map((f) => f.name);
        if (names.length) handler(names);
      };
      const onOver = (e: DragEvent) => e.preventDefault();
      window.addEventListener('drop', onDrop);
      window.addEventListener('dragover', onOver);
      return () => {
        window.removeEventListener('drop', onDrop);
        window.removeEventListener('dragover', onOver);
      };
    },
  };
}
