import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import axios from 'axios';

/** The jest setup (test/setup/no-network.ts) lets tests reach loopback and nothing else. */
describe('network guard in tests', () => {
  let server: Server;
  let url: string;

  beforeAll(async () => {
    server = createServer((_req, res) => res.end('here'));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  it('refuses a request to an internet host, through axios and through fetch', async () => {
    await expect(axios.get('https://example.com/')).rejects.toThrow(/Nock: Disallowed net connect/);
    await expect(fetch('https://example.com/')).rejects.toThrow();
  });

  it('lets a request to loopback through', async () => {
    expect((await axios.get(url)).data).toBe('here');
    expect(await (await fetch(url)).text()).toBe('here');
  });
});
