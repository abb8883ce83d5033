// latent-lab's service worker: the page works offline after one visit.
// The build (static/build/finish-site.py) fills in this build's files and a version made from
// their contents (all but the datasets). Installing caches them under that version; activating deletes every other
// version's cache, so two builds' files are never mixed. Online, files come from the network
// (a new deploy is seen at once) and the cache answers only when the network does not; the
// training data is cached the first time it is downloaded and kept across builds; Fashion-MNIST's
// shipped models the first time the page switches to them, in this build's cache.
const VERSION = '__VERSION__';
const FILES = __FILES__;
const SITE = `latent-lab-site-${VERSION}`;
const DATA = 'latent-lab-data';
// The datasets' files (IDX, gzip), as finish-site.py leaves them out.
const DATASET_ENDING = '-ubyte.gz';
// Another dataset's shipped models, also left out: kept in this build's cache once used.
const OPTIONAL_FOLDER = '/pretrained/fashion/';

self.addEventListener('install', (event) => {
  event.waitUntil(caches.open(SITE).then((cache) => cache.addAll(FILES)).then(() => self.skipWaiting()));
});

self.addEventListener('activate', (event) => {
  event.waitUntil((async () => {
    for (const key of await caches.keys()) {
      if (key !== SITE && key !== DATA) await caches.delete(key);
    }
    await self.clients.claim();
  })());
});

async function fromSite(request) {
  try {
    return await fetch(request);
  } catch (offline) {
    const cache = await caches.open(SITE);
    const cached = await cache.match(request, { ignoreSearch: true })
      ?? (request.mode === 'navigate' ? await cache.match(new URL('./', self.registration.scope).href) : undefined);
    if (cached) return cached;
    throw offline;
  }
}

async function fromData(request) {
  const cache = await caches.open(DATA);
  const cached = await cache.match(request);
  if (cached) return cached;
  const response = await fetch(request);
  if (response.ok) await cache.put(request, response.clone());
  return response;
}

async function fromSiteKeeping(request) {
  const cache = await caches.open(SITE);
  try {
    const response = await fetch(request);
    if (response.ok) await cache.put(request, response.clone());
    return response;
  } catch (offline) {
    const cached = await cache.match(request, { ignoreSearch: true });
    if (cached) return cached;
    throw offline;
  }
}

self.addEventListener('fetch', (event) => {
  const url = new URL(event.request.url);
  if (event.request.method !== 'GET' || url.origin !== self.location.origin) return;
  const isData = url.pathname.endsWith(DATASET_ENDING);
  const isOptional = url.pathname.includes(OPTIONAL_FOLDER);
  event.respondWith(isData ? fromData(event.request) : isOptional ? fromSiteKeeping(event.request) : fromSite(event.request));
});
