// The console's agenda templates, in the page's language: one click plans a known format
// (open ideas, brainwriting, 1-2-4-all, dot voting, a warm-up); and a round's length as the
// agenda shows it.
import { language, t } from "./i18n.js";

/** "10 min"; brainwriting's minutes are per turn: "3 beurten van 2 min" once it started
 * (the sheets pass on `rotations` times), "2 min per beurt" before (one turn a person). */
export function roundLength(round) {
  const minutes = Math.round((round.duration_s || 0) / 60);
  if (round.kind !== "brainwrite") return t("console.round.minutes", { minutes });
  if (typeof round.rotations !== "number") return t("console.round.per.turn", { minutes });
  const turns = round.rotations + 1;
  return t(turns === 1 ? "console.round.turns.one" : "console.round.turns.other", { turns, minutes });
}

export function templates() {
  const nl = language() === "nl";
  return {
    open: [{ kind: "ideate", prompt: nl ? "Welke ideeën heb je?" : "What ideas do you have?", duration_s: 600 }],
    brainwriting: [{ kind: "brainwrite", prompt: nl ? "Schrijf in stilte je ideeën op" : "Write down your ideas in silence", duration_s: 300, hidden: true }],
    "124all": [
      { kind: "ideate", prompt: nl ? "1: denk alleen na" : "1: think alone", duration_s: 60, hidden: true },
      { kind: "discuss", prompt: nl ? "2: bespreek in tweetallen" : "2: discuss in pairs", duration_s: 120 },
      { kind: "discuss", prompt: nl ? "4: bespreek in groepjes van vier" : "4: discuss in fours", duration_s: 240 },
      { kind: "discuss", prompt: nl ? "Allen: deel de beste ideeën" : "All: share the best ideas", duration_s: 300 },
    ],
    dots: [{ kind: "vote", prompt: nl ? "Zet je stippen op de beste ideeën" : "Put your dots on the best ideas", duration_s: 300 }],
    // The server picks an icebreaker from its Dutch or English list (the session's language).
    warmup: [{ kind: "warmup", prompt: "", duration_s: 300 }],
  };
}
