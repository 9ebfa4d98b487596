// llama.cpp's own sampler chains (src/llama-sampler.cpp) timed on the benchmark's logits, for npm run
// bench:peers. Usage: llama-bench <logits.f32> <rounds> <ms per scenario and round>. Each call does what
// llama_sampler_sample does per token: fill the candidate array from the logits, apply the chain, take the
// selected token. Prints one JSON object: scenario -> median microseconds per call over the rounds (the
// scenarios take turns within each round, so a slow phase of the machine hits them all).
#include "llama.h"
#include "llama-impl.h"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

// What a chain reaches outside src/llama-sampler.cpp: its timer (off here) and the log (silent).
time_meas::time_meas(int64_t & t_acc, bool disable) : t_start_us(-1), t_acc(t_acc) { (void) disable; }
time_meas::~time_meas() {}
void llama_log_internal(ggml_log_level, const char *, ...) {}

struct Scenario {
    std::string name;
    llama_sampler * chain;
};

static llama_sampler * chain_of(std::initializer_list<llama_sampler *> parts) {
    llama_sampler_chain_params params = { /* no_perf */ true };
    auto * c = llama_sampler_chain_init(params);
    for (auto * p : parts) llama_sampler_chain_add(c, p);
    return c;
}

int main(int argc, char ** argv) {
    if (argc < 4) { fprintf(stderr, "usage: llama-bench logits.f32 rounds ms\n"); return 2; }
    FILE * f = fopen(argv[1], "rb");
    if (!f) { fprintf(stderr, "llama-bench: cannot read %s\n", argv[1]); return 2; }
    std::vector<float> logits;
    float x;
    while (fread(&x, sizeof x, 1, f) == 1) logits.push_back(x);
    fclose(f);
    const int V = (int) logits.size();
    const int rounds = atoi(argv[2]);
    const double ms = atof(argv[3]);

    // the benchmark's 256-token context (bench/scenarios.mjs), for the penalties of the full chain
    std::vector<llama_token> ctx;
    for (int i = 0; i < 256; i++) ctx.push_back((i * 7919) % 5000);
    auto * full = chain_of({ llama_sampler_init_penalties(V, 64, 1.1f, 0.0f, 0.0f), llama_sampler_init_top_k(40),
                             llama_sampler_init_top_p(0.95f, 1), llama_sampler_init_min_p(0.05f, 1),
                             llama_sampler_init_temp(0.8f), llama_sampler_init_dist(1) });
    for (auto t : ctx) llama_sampler_accept(full, t);
    std::vector<Scenario> scenarios = {
        { "greedy", chain_of({ llama_sampler_init_greedy() }) },
        { "temperature 1", chain_of({ llama_sampler_init_temp(1.0f), llama_sampler_init_dist(1) }) },
        { "temperature 0.8 + topK 40",
          chain_of({ llama_sampler_init_top_k(40), llama_sampler_init_temp(0.8f), llama_sampler_init_dist(1) }) },
        { "topP 0.95", chain_of({ llama_sampler_init_top_p(0.95f, 1), llama_sampler_init_dist(1) }) },
        { "minP 0.05", chain_of({ llama_sampler_init_min_p(0.05f, 1), llama_sampler_init_dist(1) }) },
        { "full chain", full },
    };

    std::vector<llama_token_data> data(V);
    auto call = [&](llama_sampler * c) {
        for (int i = 0; i < V; i++) data[i] = { i, logits[i], 0.0f };
        llama_token_data_array cur = { data.data(), data.size(), -1, false };
        llama_sampler_apply(c, &cur);
        return cur.data[cur.selected].id;
    };
    using clock = std::chrono::steady_clock;
    std::vector<std::vector<double>> per(scenarios.size());
    volatile int sink = 0;
    for (int r = 0; r < rounds; r++) {
        for (size_t s = 0; s < scenarios.size(); s++) {
            std::vector<double> t;
            const auto end = clock::now() + std::chrono::microseconds((long) (ms * 1000));
            do {
                const auto a = clock::now();
                sink = sink + call(scenarios[s].chain);
                t.push_back(std::chrono::duration<double, std::micro>(clock::now() - a).count());
            } while (clock::now() < end || t.size() < 3);
            std::sort(t.begin(), t.end());
            per[s].push_back(t[t.size() / 2]);
        }
    }
    printf("{");
    for (size_t s = 0; s < scenarios.size(); s++) {
        std::sort(per[s].begin(), per[s].end());
        printf("%s\"%s\": %.3f", s ? ", " : "", scenarios[s].name.c_str(), per[s][per[s].size() / 2]);
        llama_sampler_free(scenarios[s].chain);
    }
    printf("}\n");
    return 0;
}
