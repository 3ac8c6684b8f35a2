// Reference scaffold for GSM8K (the Meta-Agent's starting point and the offline v0).
// The tiny offline policy cannot write arithmetic, so the scaffold does the arithmetic itself: it pulls the
// numbers out of the question, combines them with + - * /, ranks and trims the results to a candidate list,
// and lets the policy choose one by guided choice. It returns the chosen number.

// sia:config-begin
const CONFIG = { "promptStyle": "plain", "operandDepth": 1, "numberWords": false, "ranking": "generated", "candidateWidth": 8, "candidateFormat": "number", "samples": 1, "temperature": 0, "retries": 0 };
// sia:config-end

// Quantities that questions spell in words; each becomes an extra operand when `numberWords` is on.
const WORD_NUMBERS = {
  one: 1, two: 2, three: 3, four: 4, five: 5, six: 6, seven: 7, eight: 8, nine: 9, ten: 10, eleven: 11, twelve: 12,
  fifteen: 15, twenty: 20, thirty: 30, forty: 40, fifty: 50, hundred: 100, half: 2, twice: 2, double: 2, triple: 3,
  thrice: 3, quarter: 4, dozen: 12, week: 7, hour: 60, minute: 60, percent: 100, '%': 100,
};

export function extractNumbers(question) {
  const numbers = [...question.matchAll(/\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?/g)].map((match) => Number(match[0].replace(/,/g, '')));
  if (CONFIG.numberWords) {
    const lower = question.toLowerCase();
    for (const [word, value] of Object.entries(WORD_NUMBERS)) {
      const pattern = word === '%' ? /%/ : new RegExp(`\\b${word}s?\\b`);
      if (pattern.test(lower)) numbers.push(value);
    }
  }
  return [...new Set(numbers)].slice(0, 8);
}

const OPERATIONS = [
  ['+', (a, b) => a + b],
  ['-', (a, b) => a - b],
  ['*', (a, b) => a * b],
  ['/', (a, b) => (b === 0 ? NaN : a / b)],
];

// Every expression over distinct operands up to `operandDepth` operations, built left to right.
function combine(numbers) {
  const results = [];
  let frontier = numbers.map((value, index) => ({ value, text: String(value), used: [index] }));
  for (let depth = 1; depth <= CONFIG.operandDepth; depth++) {
    const next = [];
    for (const left of frontier) {
      numbers.forEach((value, index) => {
        if (left.used.includes(index)) return;
        for (const [symbol, apply] of OPERATIONS) {
          const result = apply(left.value, value);
          if (!Number.isFinite(result)) continue;
          const text = depth === 1 ? `${left.text} ${symbol} ${value}` : `(${left.text}) ${symbol} ${value}`;
          next.push({ value: result, text, used: [...left.used, index] });
        }
      });
    }
    results.push(...next);
    frontier = next;
  }
  return results;
}

// Word-problem answers are mostly whole, positive, and use most of the given numbers.
function plausibility(candidate, count) {
  const whole = Math.abs(candidate.value - Math.round(candidate.value)) < 1e-9 ? 2 : 0;
  const positive = candidate.value > 0 ? 1 : 0;
  return whole + positive + candidate.used.length / Math.max(1, count) - (Math.abs(candidate.value) > 1e6 ? 2 : 0);
}

const formatNumber = (value) => String(Number.isInteger(value) ? value : Number(value.toFixed(4)));

export function candidatesFor(question) {
  const numbers = extractNumbers(question);
  let pool = combine(numbers).map((candidate, order) => ({ ...candidate, order }));
  if (CONFIG.ranking === 'plausible') {
    pool = pool.map((candidate) => ({ ...candidate, score: plausibility(candidate, numbers.length) }));
    pool.sort((a, b) => b.score - a.score || a.order - b.order);
  }
  const seen = new Set();
  const candidates = [];
  for (const candidate of pool) {
    const key = formatNumber(candidate.value);
    if (seen.has(key)) continue;
    seen.add(key);
    candidates.push(CONFIG.candidateFormat === 'expression' ? `${candidate.text} = ${key}` : key);
    if (candidates.length >= CONFIG.candidateWidth) break;
  }
  // Fewer than two numbers found: offer what there is, so guided choice always has a candidate.
  if (candidates.length > 0) return candidates;
  return numbers.length > 0 ? numbers.map(formatNumber) : ['0'];
}

const PROMPTS = {
  plain: (question) => [{ role: 'user', content: question }],
  stepwise: (question) => [
    { role: 'system', content: 'Solve the grade-school maths problem. Pick the calculation that gives the final answer.' },
    { role: 'user', content: `${question}\nAnswer:` },
  ],
  // Repeats the question's last sentence, which says what is being asked for.
  focus: (question) => {
    const ask = question.split(/(?<=[.?!])\s+/).filter(Boolean).pop() ?? question;
    return [{ role: 'user', content: `${question}\nWhat is asked: ${ask}\nAnswer:` }];
  },
};

// The number after the last '=' (expression format) or the whole reply.
function parseAnswer(content) {
  const text = String(content ?? '');
  const tail = text.includes('=') ? text.slice(text.lastIndexOf('=') + 1) : text;
  const match = tail.replace(/,/g, '').match(/-?\d+(?:\.\d+)?/);
  return match ? Number(match[0]) : null;
}

async function ask(ctx, messages, candidates) {
  for (let attempt = 0; ; attempt++) {
    try {
      const reply = await ctx.llm.chat({ messages, guidedChoice: candidates, temperature: CONFIG.temperature });
      const answer = parseAnswer(reply.content);
      if (answer !== null || attempt >= CONFIG.retries) return answer;
    } catch (error) {
      if (attempt >= CONFIG.retries) throw error;
      ctx.log(`retrying after: ${error.message}`);
    }
  }
}

export async function solve(example, ctx) {
  const question = String(example.input.question);
  const candidates = candidatesFor(question);
  const messages = (PROMPTS[CONFIG.promptStyle] ?? PROMPTS.plain)(question);
  const votes = new Map();
  for (let sample = 0; sample < Math.max(1, CONFIG.samples); sample++) {
    const answer = await ask(ctx, messages, candidates);
    if (answer !== null) votes.set(answer, (votes.get(answer) ?? 0) + 1);
  }
  // Majority vote; ties go to the answer voted first.
  let best = null;
  for (const [answer, count] of votes) if (best === null || count > votes.get(best)) best = answer;
  return best;
}
