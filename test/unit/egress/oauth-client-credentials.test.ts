import { expect } from 'chai';
import { OAuthClientCredentials } from '../../../host/dist/egress/credentials/oauth-client-credentials.js';

const AUTH = { type: 'oauth', tokenUrl: 'https://idp.example.com/connect/token', clientId: 'jobhook', clientSecret: 'client-secret-xyz' } as const;

/** A token endpoint as a fetch function: records each call, answers what `answer` says. */
function endpoint(answer: (n: number) => { status?: number; body: unknown }) {
  const calls: Array<{ url: string; init: RequestInit }> = [];
  const fetch = async (url: URL, init: RequestInit): Promise<Response> => {
    calls.push({ url: url.href, init });
    await new Promise((r) => setTimeout(r, 5));
    const { status = 200, body } = answer(calls.length);
    return new Response(typeof body === 'string' ? body : JSON.stringify(body), { status });
  };
  return { calls, fetch };
}

describe('OAuth 2 client credentials', () => {
  it('makes one token request for many concurrent requests and reuses the token until shortly before it expires', async () => {
    let now = 1_000_000;
    const idp = endpoint((n) => ({ body: { access_token: `token-${n}-abcdef`, token_type: 'Bearer', expires_in: 600 } }));
    const oauth = new OAuthClientCredentials(AUTH, { fetch: idp.fetch, now: () => now });
    const all = await Promise.all(Array.from({ length: 20 }, () => oauth.authorize()));
    expect(idp.calls).to.have.length(1);
    expect(new Set(all.map((a) => a.headers[0]![1]))).to.deep.equal(new Set(['Bearer token-1-abcdef']));
    now += 569_000; // 600 s less the 30 s renewed early, less one second
    await oauth.authorize();
    expect(idp.calls).to.have.length(1);
    now += 2000;
    expect((await oauth.authorize()).headers).to.deep.equal([['authorization', 'Bearer token-2-abcdef']]);
    expect(oauth.secrets()).to.have.members(['client-secret-xyz', 'token-2-abcdef']);
  });

  it('drops only the token a 401 refused, so many refusals cause one new token', async () => {
    const idp = endpoint((n) => ({ body: { access_token: `token-${n}-abcdef`, expires_in: 600 } }));
    const oauth = new OAuthClientCredentials(AUTH, { fetch: idp.fetch });
    const first = await oauth.authorize();
    expect(oauth.rejected(first)).to.equal(true);
    const second = await oauth.authorize();
    expect(oauth.rejected(first)).to.equal(true); // a late refusal of the old token keeps the new one
    expect((await oauth.authorize()).headers).to.deep.equal(second.headers);
    expect(idp.calls).to.have.length(2);
  });

  it('sends the form of RFC 6749 §4.4, or the client in a Basic header when asked', async () => {
    const idp = endpoint(() => ({ body: { access_token: 'token-abcdef' } }));
    await new OAuthClientCredentials({ ...AUTH, scope: 'api', audience: 'command' }, { fetch: idp.fetch }).authorize();
    expect(Object.fromEntries(new URLSearchParams(String(idp.calls[0]!.init.body)))).to.deep.equal({ grant_type: 'client_credentials', scope: 'api', audience: 'command', client_id: 'jobhook', client_secret: 'client-secret-xyz' });
    await new OAuthClientCredentials({ ...AUTH, clientAuth: 'basic' }, { fetch: idp.fetch }).authorize();
    const headers = idp.calls[1]!.init.headers as Record<string, string>;
    expect(headers.authorization).to.equal(`Basic ${Buffer.from('jobhook:client-secret-xyz').toString('base64')}`);
    expect(String(idp.calls[1]!.init.body)).to.not.include('client_secret');
  });

  it('fails with EGRESS_AUTH_FAILED and what the endpoint said, never the secret', async () => {
    const idp = endpoint(() => ({ status: 401, body: { error: 'invalid_client', error_description: 'bad secret client-secret-xyz' } }));
    const error = await new OAuthClientCredentials(AUTH, { fetch: idp.fetch }).authorize().catch((e: unknown) => e as { code: string; message: string });
    expect(error).to.have.property('code', 'EGRESS_AUTH_FAILED');
    expect((error as { message: string }).message).to.include('answered 401').and.include('invalid_client').and.not.include('client-secret-xyz');
  });
});
