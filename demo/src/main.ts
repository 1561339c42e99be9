import { FeedApp, message } from './app.js';
import { sessionId } from './history.js';

async function main(): Promise<void> {
  const feed = document.getElementById('feed')!;
  const app = new FeedApp(sessionId(), feed, document.getElementById('panel')!, document.getElementById('panel-toggle')!);
  await app.start();
}

main().catch((e: unknown) => {
  const status = document.querySelector('.feed-status') ?? document.getElementById('feed')!.appendChild(document.createElement('p'));
  status.className = 'feed-status';
  status.textContent = `The feed could not start: ${message(e)}`;
});
