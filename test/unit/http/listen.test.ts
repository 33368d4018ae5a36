import type { IncomingMessage, ServerResponse } from 'node:http';
import net from 'node:net';
import { HTTP_LIMITS, listen, type HttpLimits, type ListeningServer } from '../../../src/http/listen';

/**
 * The server's deadlines and connection cap, on raw sockets: a client that trickles its request
 * (slowloris) is cut off with 408, an idle keep-alive connection is not, and connections past the
 * cap are closed while those held are served. The limits are made short here and every test waits
 * on the close itself; the clock of a test is a connection the server cuts off.
 */
describe('listen: timeouts and the connection cap', () => {
  let server: ListeningServer | null = null;
  let answered = 0;
  const open: net.Socket[] = [];

  /** Answers once the whole body is in: what every route does with a form or JSON body. */
  const readThenAnswer = (req: IncomingMessage, res: ServerResponse) => {
    req.resume();
    req.on('end', () => {
      answered += 1;
      res.end('ok');
    });
  };

  const start = async (limits: Partial<HttpLimits>, handler = readThenAnswer) => {
    server = await listen(handler, { host: '127.0.0.1', port: 0, limits: { checkIntervalMs: 20, ...limits } });
    return server;
  };

  afterEach(async () => {
    for (const socket of open.splice(0)) socket.destroy();
    await server?.close();
    server = null;
    answered = 0;
  });

  interface Client {
    socket: net.Socket;
    /** Everything the server sent so far. */
    received(): string;
    /** Resolves with what the server sent, once the connection is closed. */
    closed: Promise<string>;
    /** Resolves once `count` answers have arrived. */
    answers(count: number): Promise<void>;
  }

  const connect = (port: number): Promise<Client> =>
    new Promise((resolve, reject) => {
      const socket = net.connect(port, '127.0.0.1');
      open.push(socket);
      let received = '';
      const waiting: { count: number; done: () => void }[] = [];
      socket.on('data', (chunk: Buffer) => {
        received += chunk.toString('latin1');
        const count = received.split('HTTP/1.1 ').length - 1;
        for (const wait of waiting.filter((w) => w.count <= count)) wait.done();
      });
      socket.on('error', () => undefined);
      const closed = new Promise<string>((done) => socket.on('close', () => done(received)));
      const answers = (count: number) => new Promise<void>((done) => waiting.push({ count, done }));
      socket.once('connect', () => resolve({ socket, received: () => received, closed, answers }));
      socket.once('error', reject);
    });

  /** Writes one byte every 20 ms until the connection closes. */
  const trickle = (client: Client, byte: string) => {
    const timer = setInterval(() => client.socket.write(byte), 20);
    void client.closed.finally(() => clearInterval(timer));
  };

  const get = 'GET / HTTP/1.1\r\nHost: kam\r\n\r\n';

  it('cuts off a client that trickles its body: 408 after the request deadline, the route never answers', async () => {
    const { port } = await start({ headersTimeoutMs: 100, requestTimeoutMs: 300 });
    const client = await connect(port);
    const began = Date.now();
    client.socket.write('POST /bitrix24/events HTTP/1.1\r\nHost: kam\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: 100000\r\n\r\n');
    trickle(client, 'a');
    const received = await client.closed;
    expect(received).toMatch(/^HTTP\/1\.1 408 Request Timeout\r\n/);
    expect(Date.now() - began).toBeGreaterThanOrEqual(300);
    expect(answered).toBe(0);
  });

  it('cuts off a client that trickles its headers at the headers deadline, long before the request one', async () => {
    const { port } = await start({ headersTimeoutMs: 200, requestTimeoutMs: 20_000 });
    const client = await connect(port);
    const began = Date.now();
    client.socket.write('GET /ui/portfolio HTTP/1.1\r\nHost: kam\r\nX-Slow: ');
    trickle(client, 'x');
    expect(await client.closed).toMatch(/^HTTP\/1\.1 408 Request Timeout\r\n/);
    // Cut off at 200 ms (and the next check), not at the request deadline 20 s away.
    expect(Date.now() - began).toBeLessThan(20_000);
  });

  it('cuts off a connection that sends nothing at all at the headers deadline', async () => {
    const { port } = await start({ headersTimeoutMs: 200, requestTimeoutMs: 20_000 });
    const client = await connect(port);
    await client.closed;
    expect(answered).toBe(0);
  });

  it('keeps an idle keep-alive connection past the headers deadline: its next request is answered', async () => {
    const { port } = await start({ headersTimeoutMs: 150, requestTimeoutMs: 300, keepAliveTimeoutMs: 20_000 });
    const idle = await connect(port);
    idle.socket.write(get);
    await idle.answers(1);
    // A trickling client that starts now is cut off past the headers deadline: by then the
    // keep-alive connection has been idle longer than that deadline too.
    const clock = await connect(port);
    clock.socket.write('GET / HTTP/1.1\r\n');
    trickle(clock, 'x');
    expect(await clock.closed).toMatch(/^HTTP\/1\.1 408/);
    idle.socket.write(get);
    await idle.answers(2);
    expect(idle.received()).toMatch(/^HTTP\/1\.1 200 OK[\s\S]*HTTP\/1\.1 200 OK[\s\S]*ok$/);
    expect(idle.socket.destroyed).toBe(false);
  });

  it('closes connections past the cap at once, serves those it holds, and takes a new one when a slot frees', async () => {
    const { port, server: http } = await start({ maxConnections: 2 });
    const held = [await connect(port), await connect(port)];
    for (const client of held) client.socket.write(get);
    await Promise.all(held.map((client) => client.answers(1)));

    const dropped = new Promise<void>((resolve) => http.once('drop', () => resolve()));
    const third = await connect(port);
    expect(await third.closed).toBe('');
    await dropped;

    held[0]!.socket.write(get);
    await held[0]!.answers(2);
    held[1]!.socket.destroy();
    await held[1]!.closed;
    // The server counts the freed slot once it has seen that socket close too.
    await new Promise<void>((resolve) => {
      const poll = () => http.getConnections((_error, count) => (count < 2 ? resolve() : setImmediate(poll)));
      poll();
    });
    const fourth = await connect(port);
    fourth.socket.write(get);
    await fourth.answers(1);
    expect(fourth.received()).toMatch(/^HTTP\/1\.1 200 OK/);
  });

  it('closes a connection whose client stopped reading its answer once nothing moved for the idle deadline', async () => {
    const chunk = Buffer.alloc(64 * 1024, 'x');
    const serverSide = new Promise<{ finished: boolean }>((resolve) => {
      void start({ idleTimeoutMs: 200 }, (_req, res) => {
        // A large download, written as fast as the client takes it.
        const write = () => {
          while (res.write(chunk));
        };
        res.on('drain', write);
        res.on('close', () => resolve({ finished: res.writableFinished }));
        write();
      }).then(async ({ port }) => {
        const client = await connect(port);
        client.socket.pause();
        client.socket.write(get);
      });
    });
    expect(await serverSide).toEqual({ finished: false });
  });

  it('serves with deadlines a CRM event, a page and a download all fit, and refuses limits Node would not enforce', async () => {
    const { server: http } = await start({});
    expect(http.headersTimeout).toBe(HTTP_LIMITS.headersTimeoutMs);
    expect(http.requestTimeout).toBe(HTTP_LIMITS.requestTimeoutMs);
    expect(HTTP_LIMITS.headersTimeoutMs).toBeLessThanOrEqual(HTTP_LIMITS.requestTimeoutMs);
    // Well under Node's 300 s default; above a reverse proxy's 60 s keep-alive.
    expect(HTTP_LIMITS.requestTimeoutMs).toBeLessThanOrEqual(60_000);
    expect(HTTP_LIMITS.keepAliveTimeoutMs).toBeGreaterThan(60_000);
    expect(http.keepAliveTimeout).toBe(HTTP_LIMITS.keepAliveTimeoutMs);
    expect(http.timeout).toBe(HTTP_LIMITS.idleTimeoutMs);
    expect(http.maxConnections).toBe(HTTP_LIMITS.maxConnections);
    await expect(listen(readThenAnswer, { host: '127.0.0.1', port: 0, limits: { headersTimeoutMs: 5_000, requestTimeoutMs: 1_000 } })).rejects.toMatchObject({
      code: 'ERR_OUT_OF_RANGE',
    });
  });
});
