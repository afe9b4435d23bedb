export { ChannelTest, TestChannel, TestSocket, channelTest, captureLog } from "./channel_test.js";
export type { ChannelTestOptions, JoinResult } from "./channel_test.js";
export { Mailbox, settle } from "./mailbox.js";
export { any, partial, like, matches } from "./match.js";
export type { Matcher } from "./match.js";
export type { Item } from "./serializer.js";
export { TestSerializer } from "./serializer.js";
