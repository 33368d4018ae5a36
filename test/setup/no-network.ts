import nock from 'nock';

/**
 * No test reaches the internet: every outbound HTTP request from the test process goes to
 * loopback (the sandboxes, the app under test) or to a nock interceptor; anything else fails
 * at once with nock's NetConnectNotAllowedError naming the host.
 */
const LOOPBACK = /^(localhost|127\.\d+\.\d+\.\d+|\[::1\]|::1)(:\d+)?$/;

nock.disableNetConnect();
nock.enableNetConnect((host) => LOOPBACK.test(host));

// Each test file loads its own nock; take this one's interceptor down with the file, so the
// next file's starts clean (and jest does not warn about a global left behind).
afterAll(() => {
  nock.cleanAll();
  nock.restore();
});
