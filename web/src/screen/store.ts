// The screen's state and how it stays fresh: every source refetched every `refresh` seconds, the live feed fed by
// the ticket stream, figures refetched soon after a ticket event, and everything refetched when the stream comes
// back after the server restarted. Failures never interrupt the screen: the last figures stay up and a small
// "reconnecting" badge shows until a fetch and the stream succeed again.
import { reactive } from 'vue';
import { ApiError } from '@/shared/api';
import { session } from '@/shared/session';
import {
  areaFigures, careLayer, feedItem, gridFigures, mapShapes, newestTickets, openCounts, ranking, rateTrend, scopeFigures, staffing,
  ticket, ticketStream, type FeedItem, type NodeFigures, type OpenCounts, type Shapes, type Staffing,
  type TicketEvent, type TrendPoint, type CareLayer,
} from './data';

export const FEED_SIZE = 5;
const EVENT_REFRESH_DELAY_MS = 2000;
const EVENT_REFRESH_MIN_GAP_MS = 10_000;
const RETRY_MS = 4000;
let retryTimer: ReturnType<typeof setTimeout> | undefined;
let started = false;

export interface ScreenState {
  scope: NodeFigures | null;
  trend: TrendPoint[];
  streets: NodeFigures[];
  communities: NodeFigures[];
  shapes: Shapes | null;
  areas: Map<number, NodeFigures>;
  /** This month's figures per grid (the map's fill). */
  grids: Map<number, NodeFigures>;
  counts: OpenCounts | null;
  /** Open care alerts and the week's visit coverage per grid (null: not readable by this account). */
  care: CareLayer | null;
  staffing: Staffing | null;
  feed: FeedItem[];
  streamUp: boolean;
  streamWasUp: boolean;
  failing: boolean;
  updatedAt: Date | null;
  signedOut: boolean;
}

export const state = reactive<ScreenState>({
  scope: null,
  trend: [],
  streets: [],
  communities: [],
  shapes: null,
  areas: new Map(),
  grids: new Map(),
  counts: null,
  care: null,
  staffing: null,
  feed: [],
  streamUp: false,
  streamWasUp: false,
  failing: false,
  updatedAt: null,
  signedOut: false,
});

/** Shows the "reconnecting" badge: the stream is down (after it was up once) or the last fetch failed. */
export function reconnecting(): boolean {
  return state.failing || (state.streamWasUp && !state.streamUp);
}

type Job = () => Promise<void>;

async function figuresJobs(): Promise<Job[]> {
  return [
    async () => {
      state.scope = await scopeFigures();
    },
    async () => {
      state.streets = await ranking();
    },
    async () => {
      if (!state.shapes) state.shapes = await mapShapes();
      const byId = await areaFigures(state.shapes.areas);
      state.areas = byId;
      state.communities = [...byId.values()]
        .filter((f) => f.score !== null)
        .sort((a, b) => (b.score ?? 0) - (a.score ?? 0) || b.demands - a.demands || a.id - b.id);
    },
    async () => {
      const scopeId = session.me?.scope.node_id;
      if (scopeId) state.grids = await gridFigures(scopeId);
    },
    async () => {
      state.counts = await openCounts();
    },
    // An alert is a ticket: its submit event brings the map's alerts up within seconds.
    async () => {
      state.care = await careLayer();
    },
  ];
}

function allJobs(): Job[] {
  return [
    async () => {
      state.trend = await rateTrend();
    },
    async () => {
      state.staffing = await staffing();
    },
    loadFeed,
  ];
}

async function run(jobs: Job[]): Promise<void> {
  const results = await Promise.allSettled(jobs.map((j) => j()));
  const errors = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected').map((r) => r.reason);
  if (errors.some((e) => e instanceof ApiError && e.status === 401)) state.signedOut = true;
  state.failing = errors.length > 0;
  if (errors.length < results.length) state.updatedAt = new Date();
  // While the server is away, try again every few seconds rather than at the next full refresh.
  if (state.failing && !state.signedOut && !retryTimer && started) {
    retryTimer = setTimeout(() => {
      retryTimer = undefined;
      void refreshAll();
    }, RETRY_MS);
  }
}

let refreshing: Promise<void> | null = null;

/** Refetches every source (one refresh at a time). */
export function refreshAll(): Promise<void> {
  refreshing ??= (async () => {
    try {
      await run([...(await figuresJobs()), ...allJobs()]);
    } finally {
      refreshing = null;
    }
  })();
  return refreshing;
}

let lastFigures = 0;
let figuresTimer: ReturnType<typeof setTimeout> | undefined;

/** After a ticket event: the figures again soon, at most every few seconds. */
function refreshFiguresSoon(): void {
  if (figuresTimer) return;
  const wait = Math.max(EVENT_REFRESH_DELAY_MS, lastFigures + EVENT_REFRESH_MIN_GAP_MS - Date.now());
  figuresTimer = setTimeout(async () => {
    figuresTimer = undefined;
    lastFigures = Date.now();
    await run(await figuresJobs());
  }, wait);
}

function mergeFeed(items: FeedItem[]): void {
  const byId = new Map(state.feed.map((f) => [f.ticketId, f]));
  for (const item of items) {
    const known = byId.get(item.ticketId);
    byId.set(item.ticketId, known ? { ...item, receivedAt: known.receivedAt || item.receivedAt } : item);
  }
  state.feed = [...byId.values()].sort((a, b) => b.ticketId - a.ticketId).slice(0, FEED_SIZE);
}

async function loadFeed(): Promise<void> {
  if (!state.shapes) state.shapes = await mapShapes();
  const index = state.shapes.index;
  mergeFeed((await newestTickets(FEED_SIZE)).map((t) => feedItem(t, index)));
}

async function onTicketEvent(e: TicketEvent): Promise<void> {
  refreshFiguresSoon();
  if (e.type !== 'submit') return;
  const receivedAt = Date.now();
  try {
    const t = await ticket(e.ticket_id);
    mergeFeed([feedItem(t, state.shapes?.index ?? new Map(), receivedAt)]);
  } catch {
    state.failing = true;
  }
}

let stream: { close(): void } | undefined;
let timer: ReturnType<typeof setInterval> | undefined;

/** Starts the refresh loop and the stream. */
export function start(refreshSeconds: number): void {
  stop();
  started = true;
  state.signedOut = false;
  state.streamWasUp = false;
  stream = ticketStream(
    (e) => void onTicketEvent(e),
    (up) => {
      state.streamUp = up;
      // Back after a drop (a restart): what happened meanwhile is fetched again.
      if (up && state.streamWasUp) void refreshAll();
      if (up) state.streamWasUp = true;
    },
  );
  void refreshAll();
  timer = setInterval(() => void refreshAll(), refreshSeconds * 1000);
}

export function stop(): void {
  started = false;
  if (retryTimer) clearTimeout(retryTimer);
  retryTimer = undefined;
  stream?.close();
  stream = undefined;
  if (timer) clearInterval(timer);
  timer = undefined;
  if (figuresTimer) clearTimeout(figuresTimer);
  figuresTimer = undefined;
}
