// The console's agenda templates, in the page's language: one click plans a known format
// (open ideas, brainwriting, 1-2-4-all, dot voting, a warm-up).
import { language } from "./i18n.js";

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
