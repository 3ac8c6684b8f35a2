/** A server-sent event as a client sees it. */
export interface SseMessage {
  /** Set (and data empty) for a comment line such as a heartbeat, when asked for with includeComments. */
  comment?: string;
  id?: string;
  event?: string;
  data: string;
}

/**
 * Reads server-sent events from a response body, one message at a time (comments such as heartbeats are
 * skipped unless includeComments). Throws when `timeoutMs` passes without the next message.
 */
export function sseReader(body: ReadableStream<Uint8Array>) {
  const reader = body.getReader();
  const decoder = new TextDecoder();
  let buffer = '';

  async function next(timeoutMs = 5000, includeComments = false): Promise<SseMessage> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const boundary = buffer.indexOf('\n\n');
      if (boundary >= 0) {
        const block = buffer.slice(0, boundary);
        buffer = buffer.slice(boundary + 2);
        const message = parseBlock(block, includeComments);
        if (message) return message;
        continue;
      }
      const remaining = deadline - Date.now();
      if (remaining <= 0) throw new Error(`no server-sent event within ${timeoutMs} ms`);
      let timer: NodeJS.Timeout | undefined;
      const chunk = await Promise.race([
        reader.read(),
        new Promise<never>((_, reject) => {
          timer = setTimeout(() => reject(new Error(`no server-sent event within ${timeoutMs} ms`)), remaining);
        }),
      ]).finally(() => clearTimeout(timer));
      if (chunk.done) throw new Error('the event stream ended');
      buffer += decoder.decode(chunk.value, { stream: true });
    }
  }

  function parseBlock(block: string, includeComments: boolean): SseMessage | null {
    const message: SseMessage = { data: '' };
    let hasData = false;
    for (const line of block.split('\n')) {
      if (line.startsWith(':')) {
        if (includeComments && !hasData) return { comment: line.slice(1).trim(), data: '' };
      } else if (line.startsWith('data: ')) {
        message.data += (hasData ? '\n' : '') + line.slice(6);
        hasData = true;
      } else if (line.startsWith('id: ')) message.id = line.slice(4);
      else if (line.startsWith('event: ')) message.event = line.slice(7);
    }
    return hasData ? message : null;
  }

  return { next, cancel: () => reader.cancel() };
}
