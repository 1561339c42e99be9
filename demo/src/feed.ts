import type { WireCandidate } from '../catalog.js';
import { productArt } from './art.js';

/** How far (px) a drag or a wheel run must go before it counts as a swipe. */
const SWIPE_PX = 60;
/** A wheel run ends after this much quiet; trackpad inertia after a swipe is ignored until then. */
const WHEEL_QUIET_MS = 180;
const SNAP_MS = 260;

const price = new Intl.NumberFormat('en-US', { style: 'currency', currency: 'USD' });

/**
 * The full-screen pager: one item per screen, swipe up (touch or mouse drag), wheel or
 * arrow keys for the next one, snapping to items. It asks `next()` for what to show after
 * the current item and animates to it; it never decides the order itself.
 */
export class Feed {
  private current: HTMLElement | null = null;
  private busy = false;
  /** A key press that came during a swipe runs after it, so quick presses are not lost. */
  private queued = false;
  private wheelTravel = 0;
  private wheelLockedUntil = 0;
  private lastWheelAt = 0;
  private drag: { pointer: number; startY: number; dy: number; startAt: number } | null = null;
  /** The shown item: when it appeared and whether buy was tapped. */
  shownAt = 0;
  bought = false;
  /** Swipes finished; mirrored in `data-swipes` for tests. */
  swipes = 0;

  constructor(
    private readonly root: HTMLElement,
    private readonly next: () => Promise<WireCandidate | null>,
  ) {
    root.addEventListener('wheel', (e) => this.onWheel(e), { passive: false });
    root.addEventListener('pointerdown', (e) => this.onPointerDown(e));
    root.addEventListener('pointermove', (e) => this.onPointerMove(e));
    root.addEventListener('pointerup', (e) => this.onPointerUp(e));
    root.addEventListener('pointercancel', (e) => this.onPointerUp(e));
    window.addEventListener('keydown', (e) => this.onKey(e));
  }

  get currentId(): string | null {
    return this.current?.dataset.id ?? null;
  }

  /**
   * A message in place of items (loading, end of catalog), or with `alert` a banner over the
   * shown item (a swipe that failed). The next item shown clears it.
   */
  status(text: string, alert = false): void {
    let line = this.root.querySelector<HTMLElement>('.feed-status');
    if (!line) {
      line = document.createElement('p');
      line.dataset.testid = 'feed-status';
      this.root.append(line);
    }
    line.className = alert ? 'feed-status alert' : 'feed-status';
    if (alert) line.setAttribute('role', 'alert');
    else line.removeAttribute('role');
    line.textContent = text;
  }

  /** Shows `item` with no animation (the first item, or the one a reload resumes). */
  showFirst(item: WireCandidate): void {
    this.root.querySelector('.feed-status')?.remove();
    const slide = this.slide(item);
    this.root.append(slide);
    this.settle(slide);
  }

  /**
   * Goes to the next item, as a swipe does. Never rejects: if `next()` fails, the shown item
   * slides back, the error shows over it, and a later swipe tries again.
   */
  async advance(): Promise<void> {
    if (this.busy || !this.current) return;
    this.busy = true;
    const leaving = this.current;
    let failed = false;
    let incoming: HTMLElement | null = null;
    try {
      const item = await this.next();
      if (!item) {
        this.snapBack(leaving);
        this.status('You have seen every candidate in this session.');
        return;
      }
      this.root.querySelector('.feed-status')?.remove();
      incoming = this.slide(item);
      incoming.style.transform = 'translateY(100%)';
      this.root.append(incoming);
      // Two frames: the incoming slide must be laid out below before it transitions in.
      await new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r)));
      leaving.classList.add('moving');
      incoming.classList.add('moving');
      leaving.style.transform = 'translateY(-100%)';
      incoming.style.transform = 'translateY(0)';
      await new Promise((r) => setTimeout(r, SNAP_MS));
      leaving.remove();
      this.settle(incoming);
      this.swipes++;
      this.root.dataset.swipes = String(this.swipes);
    } catch (e) {
      // Nothing moved on: the shown item stays (it may be mid-drag or mid-slide), the error shows over it.
      failed = true;
      if (this.current === leaving) {
        incoming?.remove();
        this.snapBack(leaving);
      }
      this.status(`Could not load the next item: ${e instanceof Error ? e.message : String(e)}. Swipe again to retry.`, true);
    } finally {
      this.busy = false;
    }
    // Presses queued behind a failed swipe are dropped: they would only fail again at once.
    if (failed) this.queued = false;
    if (this.queued) {
      this.queued = false;
      await this.advance();
    }
  }

  private settle(slide: HTMLElement): void {
    slide.classList.remove('moving');
    slide.style.transform = '';
    this.current = slide;
    this.shownAt = performance.now();
    this.bought = false;
    this.root.dataset.currentId = slide.dataset.id ?? '';
  }

  private snapBack(slide: HTMLElement): void {
    slide.classList.add('moving');
    slide.style.transform = '';
  }

  private slide(item: WireCandidate): HTMLElement {
    const slide = document.createElement('article');
    slide.className = 'slide';
    slide.dataset.testid = 'slide';
    slide.dataset.id = item.id;
    const figure = document.createElement('div');
    figure.className = 'picture';
    figure.append(productArt(item.id, item.category, item.title));
    const caption = document.createElement('div');
    caption.className = 'caption';
    const category = document.createElement('p');
    category.className = 'category';
    category.textContent = item.categoryName;
    const title = document.createElement('h2');
    title.className = 'title';
    title.dataset.testid = 'item-title';
    title.textContent = item.title;
    const meta = document.createElement('p');
    meta.className = 'meta';
    meta.textContent = `${price.format(item.price)} · ${item.id}`;
    const buy = document.createElement('button');
    buy.type = 'button';
    buy.className = 'buy';
    buy.dataset.testid = 'buy';
    buy.textContent = 'Buy';
    buy.addEventListener('click', () => {
      if (this.current !== slide) return;
      this.bought = true;
      buy.textContent = 'Bought';
      buy.disabled = true;
    });
    const hint = document.createElement('p');
    hint.className = 'hint';
    hint.textContent = 'Swipe up, scroll or press ↓ for the next item';
    caption.append(category, title, meta, buy, hint);
    slide.append(figure, caption);
    return slide;
  }

  private onWheel(e: WheelEvent): void {
    e.preventDefault();
    const now = performance.now();
    if (now - this.lastWheelAt > WHEEL_QUIET_MS) this.wheelTravel = 0;
    this.lastWheelAt = now;
    // One swipe per wheel run: inertia keeps the run going, so the lock extends while it lasts.
    if (now < this.wheelLockedUntil || this.busy) {
      this.wheelLockedUntil = Math.max(this.wheelLockedUntil, now + WHEEL_QUIET_MS);
      return;
    }
    const delta = e.deltaMode === WheelEvent.DOM_DELTA_LINE ? e.deltaY * 16 : e.deltaY;
    this.wheelTravel += delta;
    if (this.wheelTravel >= SWIPE_PX) {
      this.wheelTravel = 0;
      this.wheelLockedUntil = now + WHEEL_QUIET_MS;
      void this.advance();
    }
  }

  private onKey(e: KeyboardEvent): void {
    const target = e.target as HTMLElement | null;
    if (target?.closest('input, select, textarea, button, #panel')) return;
    if (e.key === 'ArrowDown' || e.key === 'PageDown' || e.key === ' ' || e.key === 'j') {
      e.preventDefault();
      if (this.busy) this.queued = true;
      else void this.advance();
    }
  }

  private onPointerDown(e: PointerEvent): void {
    if (this.busy || !this.current || (e.target as HTMLElement).closest('button')) return;
    if (e.pointerType === 'mouse' && e.button !== 0) return;
    // Arrow keys then go to the feed, even if a panel field had focus.
    this.root.focus({ preventScroll: true });
    this.drag = { pointer: e.pointerId, startY: e.clientY, dy: 0, startAt: performance.now() };
    this.root.setPointerCapture(e.pointerId);
  }

  private onPointerMove(e: PointerEvent): void {
    if (!this.drag || e.pointerId !== this.drag.pointer || !this.current) return;
    // Only upward drags move the item: there is nothing above the shown one to pull down.
    this.drag.dy = Math.min(0, e.clientY - this.drag.startY);
    this.current.style.transform = `translateY(${this.drag.dy}px)`;
  }

  private onPointerUp(e: PointerEvent): void {
    const drag = this.drag;
    if (!drag || e.pointerId !== drag.pointer || !this.current) return;
    this.drag = null;
    const dy = Math.min(0, e.clientY - drag.startY);
    const velocity = -dy / Math.max(1, performance.now() - drag.startAt);
    if (e.type === 'pointerup' && (-dy >= SWIPE_PX || (-dy > 20 && velocity > 0.5))) void this.advance();
    else this.snapBack(this.current);
  }
}
