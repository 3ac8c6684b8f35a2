/**
 * The first position after which `fails` holds, assuming it keeps holding once it does (an accepted hack stays
 * in the lineage). Binary search: log2(n) probes; `probed` lists every probe in order with its verdict.
 */
export async function firstFailing(
  positions: number[],
  fails: (position: number) => Promise<boolean>,
): Promise<{ position: number | null; probed: { position: number; fails: boolean }[] }> {
  const probed: { position: number; fails: boolean }[] = [];
  const probe = async (index: number) => {
    const verdict = await fails(positions[index]);
    probed.push({ position: positions[index], fails: verdict });
    return verdict;
  };
  if (positions.length === 0 || !(await probe(positions.length - 1))) return { position: null, probed };
  let low = 0;
  let high = positions.length - 1;
  while (low < high) {
    const middle = Math.floor((low + high) / 2);
    if (await probe(middle)) high = middle;
    else low = middle + 1;
  }
  return { position: positions[low], probed };
}
