/**
 * The Millrace console in the browser: a hash router over pages that call /api/v1. Each page
 * renders into <main> and returns what stops its timers when another page opens.
 */
import { ApiError, setToken } from './api.js';
import { field, h, replace } from './dom.js';
import { overviewPage } from './pages/overview.js';
import { topicPage } from './pages/topic.js';
import { messagesPage } from './pages/messages.js';
import { producePage } from './pages/produce.js';
import { groupsPage, groupPage } from './pages/groups.js';
import { securityPage } from './pages/security.js';

export type Cleanup = () => void;
type Page = (root: HTMLElement, params: string[]) => Promise<Cleanup | void>;

const ROUTES: [RegExp, Page, string][] = [
  [/^\/?$/, overviewPage, 'Overview'],
  [/^\/topics\/([^/]+)$/, topicPage, 'Topic'],
  [/^\/topics\/([^/]+)\/messages$/, messagesPage, 'Messages'],
  [/^\/produce(?:\/([^/]+))?$/, producePage, 'Produce'],
  [/^\/groups$/, groupsPage, 'Consumer groups'],
  [/^\/groups\/([^/]+)$/, groupPage, 'Consumer group'],
  [/^\/security$/, securityPage, 'Security'],
];

const main = document.getElementById('content') as HTMLElement;
let cleanup: Cleanup | void;
let generation = 0;

async function route(): Promise<void> {
  const path = location.hash.replace(/^#/, '') || '/';
  cleanup?.();
  cleanup = undefined;
  const mine = ++generation;
  for (const [re, page, title] of ROUTES) {
    const m = re.exec(path);
    if (m === null) continue;
    const params = m.slice(1).map((p) => (p === undefined ? '' : decodeURIComponent(p)));
    document.title = `${params[0] ? `${params[0]} · ` : ''}${title} · Millrace console`;
    markCurrent(path);
    replace(main, h('p', { class: 'loading' }, 'Loading…'));
    try {
      const c = await page(main, params);
      if (mine === generation) cleanup = c;
      else c?.();
    } catch (err) {
      if (mine !== generation) return;
      if (err instanceof ApiError && err.status === 401 && /^Bearer/i.test(err.challenge)) tokenLogin((err as Error).message);
      else replace(main, h('h1', {}, title), h('p', { role: 'alert', class: 'error' }, (err as Error).message));
    }
    // Keyboard and screen-reader users land on the new page's heading.
    main.querySelector('h1')?.setAttribute('tabindex', '-1');
    (main.querySelector('h1') as HTMLElement | null)?.focus({ preventScroll: true });
    return;
  }
  replace(main, h('h1', {}, 'Not found'), h('p', {}, `No page at ${path}.`));
}

/** Asks for an OAuth bearer token (OAUTHBEARER listeners); the broker decides whether it is good. */
function tokenLogin(reason: string): void {
  const input = h('textarea', { rows: 4, required: true, autocomplete: 'off' });
  const form = h('form', { 'aria-labelledby': 'login-h' }, h('h1', { id: 'login-h' }, 'Sign in'), h('p', {}, reason),
    field('Bearer token', input), h('button', { type: 'submit' }, 'Sign in'));
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    setToken(input.value.trim());
    void route();
  });
  setToken(null);
  replace(main, form);
}

function markCurrent(path: string): void {
  for (const a of document.querySelectorAll<HTMLAnchorElement>('nav a')) {
    const target = a.getAttribute('href')!.replace(/^#/, '');
    const current = target === '/' ? path === '/' : path.startsWith(target);
    if (current) a.setAttribute('aria-current', 'page');
    else a.removeAttribute('aria-current');
  }
}

window.addEventListener('hashchange', () => void route());
void route();
