/**
 * Numeric noise with an honest label: change the question's numbers, then replay the worked solution's
 * calculator annotations (`<<48/2=24>>`) with the new values to recompute the answer. When the replay would be
 * ambiguous (a number the solution uses could be a question number or a constant, results collide, or a
 * result stops being a positive whole number where it was one), it returns null and the caller keeps the item.
 */
import { mulberry32 } from '../shared/random.ts';

const NUMBER = /\d+(?:\.\d+)?/g;

function evaluate(expression: string): number | null {
  if (!/^[\d.+\-*/() ]+$/.test(expression)) return null;
  try {
    const value = Function(`"use strict"; return (${expression});`)() as unknown;
    return typeof value === 'number' && Number.isFinite(value) ? value : null;
  } catch {
    return null;
  }
}

const wholePositive = (value: number) => value > 0 && Math.abs(value - Math.round(value)) < 1e-9;

/** Unit words whose conversion constant a solution may use without it being written in the question. */
const IMPLICIT_CONSTANTS: Array<[RegExp, number[]]> = [
  [/dozen/i, [12]],
  [/hour|minute|second/i, [60, 24]],
  [/week|day/i, [7, 24, 30, 365]],
  [/month|year/i, [12, 30, 365]],
  [/percent|%/i, [100]],
];

export function renumber(question: string, solution: string, seed: number): { question: string; answer: number } | null {
  const random = mulberry32(seed);
  const mapping = new Map<number, number>();
  // Only whole numbers >= 3 change: small ones are often implicit constants (half, twice) in the solution.
  for (const match of question.replace(/(\d),(?=\d{3})/g, '$1').matchAll(NUMBER)) {
    const value = Number(match[0]);
    if (!wholePositive(value) || value < 3 || mapping.has(value)) continue;
    mapping.set(value, value + 1 + Math.floor(random() * Math.max(2, Math.round(value * 0.3))));
  }
  if (mapping.size === 0) return null;
  const questionValues = new Set(mapping.keys());
  for (const [pattern, constants] of IMPLICIT_CONSTANTS) {
    if (pattern.test(question) && constants.some((constant) => questionValues.has(constant))) return null;
  }
  const writtenValues = new Set([...question.replace(/(\d),(?=\d{3})/g, '$1').matchAll(NUMBER)].map((match) => Number(match[0])));
  const annotations = [...solution.replace(/(\d),(?=\d{3})/g, '$1').matchAll(/<<([^=>]+)=([^>]+)>>/g)];
  if (annotations.length === 0) return null;
  let answer: number | null = null;
  for (const [, expression, resultText] of annotations) {
    const oldResult = Number(resultText);
    const oldValue = evaluate(expression);
    if (oldValue === null || Math.abs(oldValue - oldResult) > 1e-6 * Math.max(1, Math.abs(oldResult))) return null;
    const rewritten = expression.replace(NUMBER, (text) => String(mapping.get(Number(text)) ?? text));
    const newResult = evaluate(rewritten);
    if (newResult === null) return null;
    if (wholePositive(oldResult) && !wholePositive(newResult)) return null;
    const known = mapping.get(oldResult);
    if (questionValues.has(oldResult) || (known !== undefined && Math.abs(known - newResult) > 1e-9)) return null;
    if (oldResult !== newResult) {
      // A changed intermediate that equals a small or written number could be mistaken for it later on.
      if (oldResult < 3 || writtenValues.has(oldResult)) return null;
      mapping.set(oldResult, newResult);
    }
    answer = newResult;
  }
  const finalText = solution.slice(solution.lastIndexOf('####') + 4).trim().replace(/,/g, '');
  const finalValue = Number(finalText);
  const mapped = mapping.get(finalValue);
  if (answer === null || mapped === undefined || Math.abs(mapped - answer) > 1e-9) return null;
  const newQuestion = question.replace(/\d{1,3}(?:,\d{3})+|\d+(?:\.\d+)?/g, (text) => {
    const value = Number(text.replace(/,/g, ''));
    return questionValues.has(value) ? String(mapping.get(value)) : text;
  });
  return { question: newQuestion, answer: Number(answer.toFixed(6)) };
}
