// Reference scaffold for LawBench 3-3 charge prediction (the Meta-Agent's starting point and the offline v0).
// It builds a prompt from the case facts, optionally shortlists charges by keyword overlap with the facts,
// and asks the policy to choose one charge by guided choice. It returns the chosen charge name.
import { CHARGES } from './charges.mjs';

// sia:config-begin
const CONFIG = { "promptStyle": "plain", "shortlist": 0, "overlap": "unigram", "weighting": "flat", "maxFactChars": 600, "samples": 1, "temperature": 0, "retries": 0, "parser": "exact" };
// sia:config-end

const PROMPTS = {
  plain: (facts) => [{ role: 'user', content: `事实:${facts}\n罪名:` }],
  judge: (facts) => [
    { role: 'system', content: '请你模拟法官依据下面事实给出罪名，只需要给出罪名的名称。' },
    { role: 'user', content: `事实:${facts}\n罪名:` },
  ],
  // Lists the shortlisted charges in the prompt so the policy reads them next to the facts.
  options: (facts, candidates) => [
    { role: 'system', content: '请你模拟法官依据下面事实，从候选罪名中选出一个。' },
    { role: 'user', content: `事实:${facts}\n候选罪名:${candidates.join('；')}\n罪名:` },
  ],
};

function grams(text, size) {
  if (text.length <= size) return [text];
  const out = [];
  for (let index = 0; index + size <= text.length; index++) out.push(text.slice(index, index + size));
  return out;
}

function chargeGrams(charge) {
  const size = CONFIG.overlap === 'bigram' ? 2 : 1;
  return [...new Set(charge.split('、').flatMap((part) => grams(part, size)))];
}

// Inverse document frequency over the class names: characters shared by many charges (非, 法, 罪) count less.
const GRAMS = new Map(CHARGES.map((charge) => [charge, chargeGrams(charge)]));
const DOCUMENT_FREQUENCY = new Map();
for (const list of GRAMS.values()) for (const gram of list) DOCUMENT_FREQUENCY.set(gram, (DOCUMENT_FREQUENCY.get(gram) ?? 0) + 1);
const weight = (gram) => (CONFIG.weighting === 'idf' ? Math.log(1 + CHARGES.length / DOCUMENT_FREQUENCY.get(gram)) : 1);

function overlapScore(charge, facts) {
  let found = 0;
  let total = 0;
  for (const gram of GRAMS.get(charge)) {
    total += weight(gram);
    if (facts.includes(gram)) found += weight(gram);
  }
  const named = facts.includes(charge) ? 1 : 0;
  return found / total + named;
}

export function shortlist(facts) {
  if (!CONFIG.shortlist || CONFIG.shortlist >= CHARGES.length) return CHARGES.slice();
  const scored = CHARGES.map((charge, index) => ({ charge, index, score: overlapScore(charge, facts) }));
  scored.sort((a, b) => b.score - a.score || a.index - b.index);
  return scored.slice(0, CONFIG.shortlist).map((item) => item.charge);
}

function parse(content, candidates) {
  const text = String(content ?? '').trim();
  if (CONFIG.parser === 'exact') return candidates.includes(text) ? text : null;
  // 'longest': the longest candidate named anywhere in the reply (for models that add words around it).
  const named = candidates.filter((charge) => text.includes(charge)).sort((a, b) => b.length - a.length);
  return named[0] ?? null;
}

async function ask(ctx, messages, candidates) {
  for (let attempt = 0; ; attempt++) {
    try {
      const reply = await ctx.llm.chat({ messages, guidedChoice: candidates, temperature: CONFIG.temperature });
      const charge = parse(reply.content, candidates);
      if (charge !== null || attempt >= CONFIG.retries) return charge;
    } catch (error) {
      if (attempt >= CONFIG.retries) throw error;
      ctx.log(`retrying after: ${error.message}`);
    }
  }
}

export async function solve(example, ctx) {
  const allFacts = String(example.input.facts);
  const candidates = shortlist(allFacts);
  const facts = allFacts.slice(0, CONFIG.maxFactChars);
  const messages = (PROMPTS[CONFIG.promptStyle] ?? PROMPTS.plain)(facts, candidates);
  const votes = new Map();
  for (let sample = 0; sample < Math.max(1, CONFIG.samples); sample++) {
    const charge = await ask(ctx, messages, candidates);
    if (charge !== null) votes.set(charge, (votes.get(charge) ?? 0) + 1);
  }
  // Majority vote; ties go to the charge voted first.
  let best = null;
  for (const [charge, count] of votes) if (best === null || count > votes.get(best)) best = charge;
  return best;
}
