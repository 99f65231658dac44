/**
 * The classic group's states and the transitions Kafka allows between them
 * (ClassicGroupState):
 *
 *   Empty ──join──▶ PreparingRebalance ──all joined──▶ CompletingRebalance ──leader sync──▶ Stable
 *     ▲                 │   ▲                                  │                             │
 *     └── no members ───┘   └──── member joins, leaves or times out ◀──────────────────────────┘
 *
 * Dead is where a group goes when it is deleted or unloaded; it is reachable from any state.
 */
export const enum GroupState {
  Empty = 0,
  PreparingRebalance = 1,
  CompletingRebalance = 2,
  Stable = 3,
  Dead = 4,
}

/** State names as Kafka writes them in DescribeGroups and ListGroups. */
export const GROUP_STATE_NAMES: readonly string[] = ['Empty', 'PreparingRebalance', 'CompletingRebalance', 'Stable', 'Dead'];

/** For each state, the states a group may enter it from. */
const VALID_PREVIOUS: ReadonlyArray<readonly GroupState[]> = [
  /* Empty */ [GroupState.PreparingRebalance],
  /* PreparingRebalance */ [GroupState.Stable, GroupState.CompletingRebalance, GroupState.Empty],
  /* CompletingRebalance */ [GroupState.PreparingRebalance],
  /* Stable */ [GroupState.CompletingRebalance],
  /* Dead */ [GroupState.Stable, GroupState.PreparingRebalance, GroupState.CompletingRebalance, GroupState.Empty, GroupState.Dead],
];

export function isValidTransition(from: GroupState, to: GroupState): boolean {
  return VALID_PREVIOUS[to]!.includes(from);
}

export function stateName(state: GroupState): string {
  return GROUP_STATE_NAMES[state]!;
}
