// Runs in a window or a Worker (wherever `indexedDB` exists). Small promise
// helpers over IndexedDB requests and transactions for IndexedDbHost; not a
// general IndexedDB wrapper.

export function requestDone(request) {
  return new Promise((resolve, reject) => {
    request.onsuccess = () => resolve(request.result);
    request.onerror = () => reject(request.error);
  });
}

export function transactionDone(tx) {
  return new Promise((resolve, reject) => {
    tx.oncomplete = () => resolve();
    tx.onerror = () => reject(tx.error);
    tx.onabort = () => reject(tx.error ?? new Error("transaction aborted"));
  });
}

/** Opens (creating when new) a database with the given object stores; the
 *  schema is fixed at version 1, so no tab ever waits on an upgrade. */
export function openDatabase(dbName, stores) {
  const request = indexedDB.open(dbName, 1);
  request.onupgradeneeded = () => {
    for (const [store, options] of Object.entries(stores)) {
      request.result.createObjectStore(store, options);
    }
  };
  return requestDone(request);
}
