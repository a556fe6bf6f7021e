package dev.profilemate.bench;

import java.util.Random;

/**
 * Synthetic prompts of a requested length in tokens, without a tokenizer.
 *
 * <p>Text prompts are random sequences of common, short English words, each written with a
 * leading space: in the Llama, Mistral, GPT-2/GPT-4 and Qwen tokenizers each such word is one
 * token, so N words are about N tokens. The server's count ({@code usage.prompt_tokens}) adds BOS
 * and, on the chat endpoint, the chat template; it is reported next to the requested length.
 *
 * <p>Token-id prompts are lists of random ids in [{@value #FIRST_ID}, {@value #END_ID}): ordinary
 * tokens in every common vocabulary (the smallest, Llama-2's and Mistral's, has 32000 entries),
 * so the length is exact.
 */
public final class Prompts {
  static final int FIRST_ID = 1000;
  static final int END_ID = 30000;

  private static final String[] WORDS = (
      "the of and to in is was for on that with as by at from his he it an were are which this be or"
      + " had not but have first one their its after new who they has her she been two all when there"
      + " time also into during more other most some only over many can would city world up then year"
      + " may out about such where these people part than under three used school known well what"
      + " between him later both war while each since good made name back through state being any"
      + " life high we so could see way work use day long just like home water house game book road")
      .split(" ");

  private Prompts() {}

  public static String text(int tokens, Random r) {
    StringBuilder sb = new StringBuilder(tokens * 5);
    for (int i = 0; i < tokens; i++) {
      if (i > 0) {
        sb.append(' ');
      }
      sb.append(WORDS[r.nextInt(WORDS.length)]);
    }
    return sb.toString();
  }

  public static int[] tokenIds(int tokens, Random r) {
    int[] ids = new int[tokens];
    for (int i = 0; i < tokens; i++) {
      ids[i] = FIRST_ID + r.nextInt(END_ID - FIRST_ID);
    }
    return ids;
  }
}
