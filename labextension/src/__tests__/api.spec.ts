/**
 * The replay endpoints of NbprodClient over real HTTP (Node's fetch, a local HTTP server
 * that records each request and answers as the server extension does).
 */
import { ServerConnection } from '@jupyterlab/services';
import * as http from 'http';
import type { AddressInfo } from 'net';

import { ApiError, NbprodClient } from '../api';

interface IRecorded {
  method: string;
  url: string;
  type: string | undefined;
  body: string;
}

const ID = 'a'.repeat(32);

describe('NbprodClient replay endpoints', () => {
  let server: http.Server;
  let client: NbprodClient;
  const recorded: IRecorded[] = [];
  /** What the next request gets: status and body. */
  let answer: { status: number; body: string } = { status: 200, body: '{}' };

  beforeAll(async () => {
    server = http.createServer((request, response) => {
      const chunks: Buffer[] = [];
      request.on('data', chunk => chunks.push(chunk));
      request.on('end', () => {
        recorded.push({
          method: request.method ?? '',
          url: new URL(request.url ?? '', 'http://host').pathname, // without the cache-busting query
          type: request.headers['content-type'],
          body: Buffer.concat(chunks).toString('utf-8')
        });
        response.writeHead(answer.status, { 'Content-Type': 'application/json' });
        response.end(answer.body);
      });
    });
    await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    const settings = ServerConnection.makeSettings({ baseUrl: `http://127.0.0.1:${port}/lab-base/` });
    client = new NbprodClient(settings);
  });

  afterAll(() => new Promise(resolve => server.close(resolve)));

  beforeEach(() => {
    recorded.length = 0;
  });

  it('starts a replay with the editor content as JSON and returns the job', async () => {
    answer = { status: 202, body: JSON.stringify({ id: ID, status: 'queued', progress: { phase: 'queued' } }) };
    const notebook = new TextEncoder().encode('{"cells":[{"id":"x","source":"print(\\"é\\")"}],"nbformat":4}');
    const job = await client.startRerun('work/a b.ipynb', notebook);
    expect(job).toMatchObject({ id: ID, status: 'queued' });
    expect(recorded).toHaveLength(1);
    const [request] = recorded;
    expect([request.method, request.url, request.type]).toEqual(['POST', '/lab-base/nbprod/rerun', 'application/json']);
    expect(JSON.parse(request.body)).toEqual({
      path: 'work/a b.ipynb',
      notebook: { cells: [{ id: 'x', source: 'print("é")' }], nbformat: 4 }
    });
  });

  it('polls and cancels the job by id', async () => {
    answer = { status: 200, body: JSON.stringify({ id: ID, status: 'running' }) };
    expect((await client.rerunJob(ID)).status).toBe('running');
    answer = { status: 200, body: JSON.stringify({ id: ID, status: 'cancelled' }) };
    expect((await client.cancelRerun(ID)).status).toBe('cancelled');
    expect(recorded.map(r => `${r.method} ${r.url}`)).toEqual([
      `GET /lab-base/nbprod/rerun/${ID}`,
      `DELETE /lab-base/nbprod/rerun/${ID}`
    ]);
  });

  it("rejects a refusal with its status and the server's message", async () => {
    answer = { status: 403, body: JSON.stringify({ message: 'Forbidden' }) };
    const refused = client.startRerun('nb.ipynb', new TextEncoder().encode('{}'));
    await expect(refused).rejects.toBeInstanceOf(ApiError);
    await expect(refused).rejects.toMatchObject({ status: 403, message: 'Forbidden' });
    answer = { status: 502, body: '<html>Bad Gateway</html>' }; // a proxy's page, not JSON
    await expect(client.rerunJob(ID)).rejects.toMatchObject({ status: 502, message: '502 Bad Gateway' });
  });
});
