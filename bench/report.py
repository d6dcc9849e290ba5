def render(results):
    import json

    return "```\n" + json.dumps(results, indent=1)[:20000] + "\n```\n"
