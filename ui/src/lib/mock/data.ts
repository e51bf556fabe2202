// DEVELOPMENT MOCK ONLY: deterministic fake conversations of a plausible
// shape, for `npm run dev` in a browser and for the Playwright screenshots.
// The numbers mean nothing; the real app never loads this file.

import type { ConversationDetail, MessageDetail, Price } from '../bindings';
import { Random } from './random';

export interface MockConversation extends ConversationDetail {
  startMs: number;
  endMs: number;
}

export const MOCK_PRICES: Price[] = [
  { model: 'gpt-4o-mini', prompt_per_million: 0.15, completion_per_million: 0.6 },
  { model: 'gpt-4o', prompt_per_million: 2.5, completion_per_million: 10 },
  { model: 'claude-3-5-haiku', prompt_per_million: 0.8, completion_per_million: 4 },
];

const COUNTRIES = {
  US: 24, DE: 12, GB: 10, BR: 8, IN: 7, FR: 6, ES: 4, CA: 4, NL: 3, IT: 3, MX: 3, JP: 3, PL: 2, AU: 2, SE: 1, PT: 1,
  AR: 1, ZA: 1, NG: 1, KR: 1, TR: 1, private: 4,
} as const;
const DEVICES = { desktop: 55, mobile: 38, tablet: 5, other: 1, unknown: 1 } as const;
const SOURCES = { web: 58, whatsapp: 24, telegram: 8, viber: 6, unknown: 4 } as const;
const LANGUAGES = { en: 50, de: 12, es: 10, 'pt-BR': 8, fr: 7, it: 3, nl: 3, ja: 2, pl: 2, unknown: 3 } as const;
const MODELS = { 'gpt-4o-mini': 60, 'gpt-4o': 25, 'claude-3-5-haiku': 10, 'local-llama-3': 5 } as const;
const TOOLS = {
  search_knowledge_base: 55,
  get_order_status: 22,
  update_address: 6,
  create_refund: 7,
  fallback_to_human: 7,
  open_ticket: 3,
} as const;
const TOOL_MEDIAN_MS: Record<string, number> = {
  search_knowledge_base: 450,
  get_order_status: 900,
  update_address: 1200,
  create_refund: 2600,
  fallback_to_human: 150,
  open_ticket: 700,
};

const QUESTIONS = [
  'Where is my order? It was supposed to arrive yesterday.',
  'How do I reset my password?',
  'Can I change the delivery address for order #4821?',
  'I was charged twice this month, can you check?',
  'Do you ship to Portugal?',
  'What is your return policy for opened items?',
  'The app keeps logging me out on my phone.',
  'Is the premium plan billed monthly or yearly?',
  'I want to talk to a real person please',
  'Does the <b>pro</b> version include API access?',
  'How long does a refund take?',
  'Can I pause my subscription over the summer?',
];
const ANSWERS = [
  'I checked your order: it left our warehouse this morning and should arrive within two working days.',
  'You can reset it from the sign-in page with "Forgot password". I have just sent you a reset link as well.',
  'Done! The delivery address is updated. You will get a confirmation email in a few minutes.',
  'I can see two charges on 3 October. One of them is a pending authorisation and will disappear within 5 days.',
  'Yes, we ship to Portugal. Delivery usually takes 3–5 working days.',
  'Opened items can be returned within 30 days if they are in their original packaging.',
  'Sorry about that. Please update the app to the latest version; this bug was fixed last week.',
  'Both are available: monthly at $12, or yearly at $120 (two months free).',
  'Of course, I am handing you over to a colleague now. Someone will reply within a few minutes.',
  'Yes, API access is included in the Pro plan, with up to 10,000 requests a day.',
  'Refunds reach your account within 5–10 working days, depending on your bank.',
  'Yes, you can pause for up to three months from Settings → Subscription.',
];
const COMMENTS = {
  positive: ['Quick and helpful, thanks!', 'Solved my problem in a minute.', 'Great, very clear answer.', 'Love that I did not have to wait.'],
  neutral: ['OK, but I had to ask twice.', 'Fine.', 'The answer was a bit long.'],
  negative: [
    'It did not understand my question at all.',
    'I wanted a human, took too long to get one.',
    'Wrong information about my refund.',
    'Kept repeating the same link, "not helpful".',
  ],
} as const;

function privateIp(r: Random) {
  return `10.${r.int(0, 255)}.${r.int(0, 255)}.${r.int(1, 254)}`;
}

function publicIp(r: Random) {
  return `${r.int(11, 223)}.${r.int(0, 255)}.${r.int(0, 255)}.${r.int(1, 254)}`;
}

const DAY = 86_400_000;

export interface MockOptions {
  /** How many conversations. */
  conversations: number;
  /** The day the data ends on, as a UTC midnight; the data spans ~150 days before. */
  endDayMs: number;
  /** Drop every IP address, to see the empty-map sentence. */
  noIp: boolean;
}

export function generateConversations(opts: MockOptions): MockConversation[] {
  const r = new Random(20261001);
  const span = 150;
  const out: MockConversation[] = [];
  const prices = new Map(MOCK_PRICES.map((p) => [p.model, p]));
  for (let i = 0; i < opts.conversations; i++) {
    // More conversations lately (the bot is growing), fewer at weekends,
    // most during the working day.
    const ago = Math.floor(span * Math.pow(r.next(), 1.35));
    let dayMs = opts.endDayMs - ago * DAY;
    const weekday = (new Date(dayMs).getUTCDay() + 6) % 7;
    if (weekday >= 5 && r.chance(0.45)) dayMs -= r.int(1, 2) * DAY;
    const hour = Math.min(23, Math.max(0, Math.round(r.logNormal(1, 0.25) * 13 + (r.next() - 0.5) * 6)));
    const startMs = dayMs + hour * 3_600_000 + r.int(0, 3_599_999);

    const country = r.weighted(COUNTRIES);
    const hasIp = !opts.noIp && r.chance(0.86);
    const id = `conv-${String(i + 1).padStart(6, '0')}`;
    const anonymous = r.chance(0.28);
    const customer = anonymous ? null : `cust-${String(r.int(1, Math.max(50, Math.floor(opts.conversations / 3)))).padStart(5, '0')}`;
    const device = r.weighted(DEVICES);
    const source = r.weighted(SOURCES);
    const language = r.weighted(LANGUAGES);
    const model = r.weighted(MODELS);
    const visit = r.chance(0.11);

    const messages: MessageDetail[] = [];
    const actions: ConversationDetail['actions'] = [];
    const feedback: ConversationDetail['feedback'] = [];
    let t = startMs;
    let escalated = false;
    if (!visit) {
      const exchanges = Math.max(1, Math.round(r.logNormal(2.6, 0.55)));
      for (let x = 0; x < exchanges; x++) {
        const q = r.int(0, QUESTIONS.length - 1);
        messages.push({
          message_id: `${id}-m${messages.length + 1}`,
          role: 'user',
          timestamp: new Date(t).toISOString(),
          content: QUESTIONS[q],
          model: null,
          prompt_tokens: null,
          completion_tokens: null,
          cost: null,
          response_ms: null,
        });
        if (r.chance(0.38)) {
          const name = escalated ? 'search_knowledge_base' : r.weighted(TOOLS);
          const duration = Math.round(r.logNormal(TOOL_MEDIAN_MS[name], 0.6));
          const error = r.chance(name === 'create_refund' ? 0.14 : 0.04);
          actions.push({
            action_id: `${id}-a${actions.length + 1}`,
            name,
            started_at: new Date(t + 300).toISOString(),
            duration_ms: r.chance(0.95) ? duration : null,
            status: error ? 'error' : 'ok',
            error,
          });
          if (name === 'fallback_to_human' || name === 'open_ticket') escalated = true;
        }
        const responseMs = Math.round(r.logNormal(model === 'gpt-4o' ? 3200 : 1900, 0.5));
        t += responseMs;
        const prompt = r.int(300, 2400);
        const completion = r.int(40, 520);
        const price = prices.get(model);
        messages.push({
          message_id: `${id}-m${messages.length + 1}`,
          role: 'agent',
          timestamp: new Date(t).toISOString(),
          content: ANSWERS[q],
          model,
          prompt_tokens: prompt,
          completion_tokens: completion,
          cost: price ? (prompt * price.prompt_per_million + completion * price.completion_per_million) / 1e6 : null,
          response_ms: responseMs,
        });
        t += Math.round(r.logNormal(40_000, 0.8));
      }
      if (r.chance(0.24)) {
        const rating = r.weighted({ positive: escalated ? 35 : 66, neutral: 14, negative: escalated ? 51 : 20 });
        feedback.push({
          feedback_id: `${id}-f1`,
          message_id: messages[messages.length - 1].message_id,
          timestamp: new Date(t).toISOString(),
          rating,
          score: null,
          comment: r.chance(0.55) ? r.pick(COMMENTS[rating]) : null,
        });
      }
    } else {
      t += r.int(5_000, 60_000);
    }
    out.push({
      conversation_id: id,
      started_at: new Date(startMs).toISOString(),
      ended_at: new Date(t).toISOString(),
      customer_id: customer,
      customer_ip_address: hasIp ? (country === 'private' ? privateIp(r) : publicIp(r)) : null,
      country: hasIp && country !== 'private' ? country : 'unknown',
      device: device === 'unknown' ? null : device,
      source: source === 'unknown' ? null : source,
      language: language === 'unknown' ? null : language,
      metadata: r.chance(0.5) ? { plan: r.pick(['free', 'pro', 'business']), app_version: `3.${r.int(0, 9)}.${r.int(0, 20)}` } : null,
      messages,
      actions,
      feedback,
      startMs,
      endMs: t,
    });
  }
  return out.sort((a, b) => a.startMs - b.startMs);
}
