"""B1 row (f): Genkit's Python server (genkit + genkit-fastapi + uvicorn) serving the same firehose
flow as the Swift rows: input n -> n chunks {"i":k,"pad":"abcdefghijklmnopqrst"}, output n.
Non-durable (Genkit's Python server stores nothing). Run: python server.py PORT"""

import asyncio
import sys

import uvicorn
from fastapi import FastAPI
from genkit import ActionRunContext, Genkit
from genkit_fastapi import serve_flow

ai = Genkit()
app = FastAPI()


@ai.flow(chunk_type=dict)
async def firehose(count: int, ctx: ActionRunContext) -> int:
    for index in range(count):
        ctx.send_chunk({'i': index, 'pad': 'abcdefghijklmnopqrst'})
        # send_chunk only queues: give the response a turn every 256 chunks, as FlowStreams' write
        # buffer (256 chunks) does, so the flow does not run far ahead of its reader.
        if index % 256 == 255:
            await asyncio.sleep(0)
    return count


app.include_router(serve_flow(firehose))

if __name__ == '__main__':
    port = int(sys.argv[1])
    print(f'Genkit listening on http://127.0.0.1:{port}', flush=True)
    uvicorn.run(app, host='127.0.0.1', port=port, log_level='warning', access_log=False)
