// Drives `lawqa serve` with the unmodified official OpenAI JS client:
// node openai_client.mjs BASE_URL [with-model].  Exit status 0 = all good.
import OpenAI from 'openai';

const [base, withModel] = process.argv.slice(2);
const client = new OpenAI({baseURL: base + '/v1', apiKey: 'not-needed', maxRetries: 0});
let failed = 0, passed = 0;
function check(cond, what) {
  if (cond) passed++;
  else { failed++; console.error('FAIL: ' + what); }
}

const question = '入户盗窃他人财物数额较大，会被判什么刑？';

const models = await client.models.list();
const ids = [];
for await (const m of models) ids.push(m.id);
check(ids.length >= 1, 'models.list returns models: ' + ids);

const c = await client.chat.completions.create({
  model: ids[0], messages: [{role: 'user', content: question}], max_tokens: 32});
check(c.object === 'chat.completion' && c.choices[0].message.role === 'assistant',
      'chat.completions.create shape');
check(typeof c.choices[0].message.content === 'string' && c.choices[0].message.content.length > 0,
      'completion has content');
check(Array.isArray(c.references) && c.references.length > 0, 'references come through');
check(Array.isArray(c.citations), 'citations come through');

const stream = await client.chat.completions.create({
  model: ids[0], messages: [{role: 'user', content: question}], stream: true, max_tokens: 32});
let text = '', chunks = 0, finish = null, refs = null;
for await (const chunk of stream) {
  chunks++;
  text += chunk.choices[0]?.delta?.content || '';
  if (chunk.choices[0]?.finish_reason) finish = chunk.choices[0].finish_reason;
  if (chunk.references) refs = chunk.references;
}
check(chunks >= 3, 'stream delivered chunks: ' + chunks);
check(text.length > 0, 'stream delivered text');
check(finish === 'stop' || finish === 'length', 'stream finish_reason: ' + finish);
check(Array.isArray(refs) && refs.length > 0, 'stream references in the last chunk');

try {
  await client.chat.completions.create({model: ids[0], messages: []});
  check(false, 'empty messages should fail');
} catch (e) {
  check(e.status === 400, 'empty messages -> APIError 400: ' + e.status);
}

if (withModel) {
  const e = await client.embeddings.create({model: ids[0], input: ['盗窃罪', '借款合同']});
  check(e.data.length === 2 && e.data[0].embedding.length > 0, 'embeddings (base64 default)');
  const norm = Math.sqrt(e.data[0].embedding.reduce((s, x) => s + x * x, 0));
  check(Math.abs(norm - 1) < 1e-3, 'embedding is L2-normalized: ' + norm);
  const f = await client.embeddings.create({model: ids[0], input: '盗窃罪', encoding_format: 'float'});
  check(Math.abs(f.data[0].embedding[0] - e.data[0].embedding[0]) < 1e-5, 'float = base64');
} else {
  try {
    await client.embeddings.create({model: 'x', input: 'a'});
    check(false, 'embeddings without a model should fail');
  } catch (e) {
    check(e.status === 503, 'embeddings without a model -> 503: ' + e.status);
  }
}
console.log(`openai_client: ${passed} checks passed, ${failed} failed`);
process.exit(failed ? 1 : 0);
