// A local stand-in for Stripe, for the browser tests: the API call checkout
// makes (POST /v1/checkout/sessions, form-encoded, bearer key, idempotency
// key), a hosted payment page with a Pay button, and the webhook Stripe then
// sends — signed as Stripe signs it (HMAC-SHA256 of `t.payload`).

import { createHmac } from 'node:crypto';
import { createServer } from 'node:http';

// The webhook goes out when the test calls `deliverCompleted()`, so a test
// can look at the shop's page between the customer's return and the event.
export async function startStripeDouble({ secretKey, webhookSecret }) {
  const sessions = new Map(); // id → session
  const byKey = new Map(); // idempotency key → session
  const deliveries = []; // { event, status, body }
  const paid = []; // sessions paid on the payment page, not yet told to the shop
  let webhookUrl = null;

  const read = (request) => new Promise((resolve) => {
    let body = '';
    request.on('data', (chunk) => { body += chunk; });
    request.on('end', () => resolve(body));
  });
  const json = (response, status, value) => {
    response.writeHead(status, { 'content-type': 'application/json' });
    response.end(JSON.stringify(value));
  };

  const server = createServer(async (request, response) => {
    const url = new URL(request.url, base);
    const body = await read(request);
    if (request.method === 'POST' && url.pathname === '/v1/checkout/sessions') {
      if (request.headers.authorization !== `Bearer ${secretKey}`) {
        return json(response, 401, { error: { type: 'invalid_request_error', message: 'Invalid API Key provided.' } });
      }
      const key = request.headers['idempotency-key'];
      if (key && byKey.has(key)) return json(response, 200, byKey.get(key));
      const form = new URLSearchParams(body);
      let total = 0;
      let currency = null;
      for (let i = 0; form.has(`line_items[${i}][quantity]`); i++) {
        total += Number(form.get(`line_items[${i}][price_data][unit_amount]`)) * Number(form.get(`line_items[${i}][quantity]`));
        currency = form.get(`line_items[${i}][price_data][currency]`);
      }
      const id = `cs_test_${sessions.size + 1}`;
      const now = Math.floor(Date.now() / 1000);
      const session = {
        id, object: 'checkout.session', amount_subtotal: total, amount_total: total,
        automatic_tax: { enabled: false, liability: null, provider: null, status: null },
        cancel_url: form.get('cancel_url'), client_reference_id: form.get('client_reference_id'), created: now,
        currency, custom_fields: [],
        custom_text: { after_submit: null, shipping_address: null, submit: null, terms_of_service_acceptance: null },
        customer_email: form.get('customer_email'), expires_at: now + 86400, livemode: false, metadata: {},
        mode: form.get('mode'), payment_method_types: ['card'], payment_status: 'unpaid', shipping_options: [],
        status: 'open', success_url: form.get('success_url'), url: `${base}/c/pay/${id}`,
        line_items_form: Object.fromEntries(form),
      };
      sessions.set(id, session);
      if (key) byKey.set(key, session);
      return json(response, 200, session);
    }
    const pay = url.pathname.match(/^\/c\/pay\/(cs_test_\d+)$/);
    const session = pay && sessions.get(pay[1]);
    if (session && request.method === 'GET') {
      response.writeHead(200, { 'content-type': 'text/html' });
      return response.end(`<!doctype html><title>Stripe test checkout</title>
        <p data-testid="stripe-amount">${(session.amount_total / 100).toFixed(2)} ${session.currency.toUpperCase()}</p>
        <p data-testid="stripe-email">${session.customer_email}</p>
        <form method="post"><button data-testid="stripe-pay">Pay</button></form>`);
    }
    if (session && request.method === 'POST') {
      // Back to the shop at once; the webhook follows (it may arrive later in real life too).
      paid.push(session);
      response.writeHead(303, { location: session.success_url });
      response.end();
      return;
    }
    if (url.pathname === '/favicon.ico') {
      response.writeHead(204);
      return response.end();
    }
    json(response, 404, { error: { type: 'invalid_request_error', message: 'Unrecognized request URL.' } });
  });

  async function sendCompleted(session) {
    const { line_items_form: _, ...object } = session;
    const event = {
      id: `evt_${session.id}`, object: 'event', api_version: '2025-09-30.clover', created: Math.floor(Date.now() / 1000),
      data: { object: { ...object, payment_status: 'paid', status: 'complete' } }, livemode: false,
      pending_webhooks: 1, request: { id: null, idempotency_key: null }, type: 'checkout.session.completed',
    };
    const payload = JSON.stringify(event);
    const t = Math.floor(Date.now() / 1000);
    const v1 = createHmac('sha256', webhookSecret).update(`${t}.${payload}`).digest('hex');
    const reply = await fetch(webhookUrl, {
      method: 'POST', body: payload, headers: { 'content-type': 'application/json', 'stripe-signature': `t=${t},v1=${v1}` },
    });
    deliveries.push({ event, status: reply.status, body: await reply.json() });
  }

  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const base = `http://127.0.0.1:${server.address().port}`;
  return {
    url: base,
    sessions,
    deliveries,
    setWebhookUrl(url) { webhookUrl = url; },
    /** Sends `checkout.session.completed` for the sessions paid since the last call. */
    async deliverCompleted() {
      for (const session of paid.splice(0)) await sendCompleted(session);
    },
    close: () => new Promise((resolve) => server.close(resolve)),
  };
}
