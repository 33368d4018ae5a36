import net from 'node:net';

/**
 * The load generator's HTTP/1.1 client: keep-alive connections to one origin, one request in
 * flight on each, requests written as pre-built bytes and answers read for their status line and
 * length only. node:http builds a request object, a response object and a header map per request
 * (about 0.2 ms of CPU each at 2,000 a second, as much as the app's own answer costs); on the
 * bench's shared two cores that time is taken from the process being measured. This client does
 * what wrk does: it writes bytes and counts bytes. It reads Content-Length and chunked answers.
 */
export interface RawRequest {
  /** The whole request: request line, headers, blank line, body. */
  bytes: Buffer;
}

export interface RawClient {
  /** Sends the request; resolves with the answer's status (0 when the connection failed). */
  send(request: RawRequest): Promise<number>;
  /** Opens up to `count` connections (within the limit); resolves once they are connected and idle. */
  warm(count: number): Promise<void>;
  close(): void;
}

/** The request's bytes, built once per target. */
export function rawRequest(url: URL, contentType: string, body: string): RawRequest {
  const payload = Buffer.from(body);
  const head = `POST ${url.pathname}${url.search} HTTP/1.1\r\nHost: ${url.host}\r\nContent-Type: ${contentType}\r\nContent-Length: ${payload.length}\r\nConnection: keep-alive\r\n\r\n`;
  return { bytes: Buffer.concat([Buffer.from(head, 'latin1'), payload]) };
}

const HEAD_END = Buffer.from('\r\n\r\n');
const CHUNKED_END = Buffer.from('0\r\n\r\n');

interface Connection {
  socket: net.Socket;
  /** The request now in flight on it, with what has come back so far. */
  current: { resolve: (status: number) => void; buffer: Buffer } | null;
}

/** Status and completeness of what came back so far: null while the answer is not complete. */
function parseAnswer(buffer: Buffer): { status: number; length: number } | null {
  const headEnd = buffer.indexOf(HEAD_END);
  if (headEnd === -1) return null;
  const head = buffer.toString('latin1', 0, headEnd);
  const status = Number(head.slice(9, 12));
  const length = /\r\ncontent-length:\s*(\d+)/i.exec(head);
  if (length) {
    const total = headEnd + 4 + Number(length[1]);
    return buffer.length >= total ? { status, length: total } : null;
  }
  if (/\r\ntransfer-encoding:\s*chunked/i.test(head)) {
    const end = buffer.indexOf(CHUNKED_END, headEnd + 4);
    return end === -1 ? null : { status, length: end + CHUNKED_END.length };
  }
  return { status, length: headEnd + 4 };
}

export function createRawClient(options: { host: string; port: number; maxConnections: number }): RawClient {
  const idle: Connection[] = [];
  const waiting: Array<{ request: RawRequest; resolve: (status: number) => void }> = [];
  let open = 0;

  const release = (connection: Connection): void => {
    const next = waiting.shift();
    if (next) dispatch(connection, next.request, next.resolve);
    else idle.push(connection);
  };

  const dispatch = (connection: Connection, request: RawRequest, resolve: (status: number) => void): void => {
    connection.current = { resolve, buffer: Buffer.alloc(0) };
    connection.socket.write(request.bytes);
  };

  const connect = (): Connection => {
    const socket = net.connect({ host: options.host, port: options.port, noDelay: true });
    const connection: Connection = { socket, current: null };
    open += 1;
    socket.on('data', (chunk: Buffer) => {
      const current = connection.current;
      if (!current) return;
      current.buffer = current.buffer.length === 0 ? chunk : Buffer.concat([current.buffer, chunk]);
      const answer = parseAnswer(current.buffer);
      if (!answer) return;
      connection.current = null;
      current.resolve(answer.status);
      release(connection);
    });
    const drop = (): void => {
      const at = idle.indexOf(connection);
      if (at !== -1) idle.splice(at, 1);
      if (connection.current) connection.current.resolve(0);
      connection.current = null;
      if (!socket.destroyed) socket.destroy();
      open -= 1;
    };
    socket.once('error', drop);
    socket.once('close', () => {
      if (open > 0 && (connection.current || idle.includes(connection))) drop();
    });
    return connection;
  };

  return {
    send(request) {
      return new Promise<number>((resolve) => {
        const connection = idle.pop() ?? (open < options.maxConnections ? connect() : null);
        if (connection) dispatch(connection, request, resolve);
        else waiting.push({ request, resolve });
      });
    },
    async warm(count) {
      const opening: Array<Promise<void>> = [];
      while (open < options.maxConnections && opening.length < count) {
        const connection = connect();
        opening.push(
          new Promise<void>((resolve) => {
            connection.socket.once('connect', () => {
              release(connection);
              resolve();
            });
            connection.socket.once('error', () => resolve());
          }),
        );
      }
      await Promise.all(opening);
    },
    close() {
      for (const connection of idle.splice(0)) connection.socket.destroy();
      for (const next of waiting.splice(0)) next.resolve(0);
    },
  };
}
