import { expect, test } from './demo-fixtures.js';

test.use({ viewport: { width: 1280, height: 900 } });

test('autopilot runs sessions for every strategy to completion and charts them', async ({ demo, page }) => {
  await demo.open();
  await demo.setPanel(true);
  // A few swipes of the reviewer's own feed give the latency chart data too.
  for (let i = 0; i < 3; i++) await demo.swipe('keys');

  const sessions = 4;
  await page.getByTestId('autopilot-fast').check();
  await demo.fill('autopilot-sessions', String(sessions));
  await page.getByTestId('autopilot-run').click();
  const status = page.getByTestId('autopilot-status');
  await expect(status).toHaveAttribute('data-state', /done|failed|stopped/, { timeout: 90_000 });
  console.log(`[${test.info().project.name}] autopilot ${await status.textContent()}`);
  await expect(status).toHaveAttribute('data-state', 'done');

  const strategies = ['server', 'greedy', 'lookahead', 'index-context'];
  for (const strategy of strategies) {
    await expect(page.getByTestId(`lane-${strategy}`)).toContainText(`session ${sessions}`);
  }
  const rows = page.getByTestId('autopilot-table').locator('tbody tr');
  await expect(rows).toHaveCount(strategies.length);
  const figures = await rows.evaluateAll((trs) => trs.map((tr) => Array.from(tr.children, (td) => td.textContent)));
  for (const [, count] of figures) expect(Number(count), 'sessions per strategy').toBe(sessions);
  await test.info().attach('autopilot-figures', { body: JSON.stringify(figures, null, 2), contentType: 'application/json' });

  // Cumulative purchases: a start point and one per session per strategy; mean depth: one per session.
  await expect(page.getByTestId('autopilot-purchases')).toHaveAttribute('data-points', String(strategies.length * (sessions + 1)));
  await expect(page.getByTestId('autopilot-depth')).toHaveAttribute('data-points', String(strategies.length * sessions));
  await expect(page.getByTestId('latency-chart')).toHaveAttribute('data-points', /^[1-9]/);
  await page.getByTestId('autopilot-depth').scrollIntoViewIfNeeded();
  await demo.screenshot('autopilot');
});
